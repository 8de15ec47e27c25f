/**
 * What kind of TLS failure a Node.js error is, from its `code` (OpenSSL's verification results and Node's own TLS
 * codes): the one classification the store (PostgreSQL) and the runner (Redis) build their messages from.
 */

/** The certificate chain does not lead to a trusted CA. */
const UNTRUSTED_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
]);
const VALIDITY_CODES: ReadonlySet<string> = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_REVOKED']);
const HOSTNAME_CODES: ReadonlySet<string> = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH']);

/**
 * A TLS failure's kind: `untrusted` (no trusted CA signed the certificate), `hostname` (the certificate names another
 * host), `validity` (expired, not yet valid, revoked), `handshake` (no TLS there, or no protocol in common).
 */
export type TlsFailureKind = 'untrusted' | 'hostname' | 'validity' | 'handshake';

/** The kind of TLS failure `code` (a Node.js error's `code`) reports, or undefined when it is not a TLS failure. */
export function tlsFailureKind(code: unknown): TlsFailureKind | undefined {
  if (typeof code !== 'string') return undefined;
  if (UNTRUSTED_CODES.has(code)) return 'untrusted';
  if (HOSTNAME_CODES.has(code)) return 'hostname';
  if (VALIDITY_CODES.has(code)) return 'validity';
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code === 'EPROTO') return 'handshake';
  return undefined;
}
