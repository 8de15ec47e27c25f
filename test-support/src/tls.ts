/**
 * A throwaway certificate authority for TLS tests, made with the `openssl` program in a temporary directory: a CA,
 * a server certificate it signs (by default for `localhost` and `127.0.0.1`), more server certificates on demand
 * (another host name, for a host-name mismatch), and a second, unrelated CA (for the wrong-CA case). Keys are
 * unencrypted EC P-256 keys; every file is readable by everyone (the directory is private to the test), so a server
 * running as another OS user can read them once copied into its own directory with its own owner and mode.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const OPENSSL = process.env.OPENSSL ?? 'openssl';

/** A certificate and its key, as files. */
export interface TestCertificate {
  certFile: string;
  keyFile: string;
  /** The names the certificate is valid for (its subjectAltName entries). */
  names: readonly string[];
}

/** A TLS server's files: its certificate and key, and the CA it names to clients. */
export interface ServerTlsFiles {
  certFile: string;
  keyFile: string;
  caFile: string;
}

export interface TestCa {
  /** The temporary directory holding every file. */
  dir: string;
  /** The CA certificate (PEM): what a client trusts. */
  caFile: string;
  /** The CA certificate's PEM text. */
  caPem: string;
  /** A server certificate signed by the CA, for `localhost` and `127.0.0.1` unless other names were asked. */
  server: TestCertificate;
  /** What `startPostgresServer({ tls })` and `startRedisServer({ tls })` take: the server certificate, its key, the CA. */
  serverTls: ServerTlsFiles;
  /** The certificate of a second CA that signed nothing here: trusting it alone must fail every handshake. */
  wrongCaFile: string;
  /** Issues another server certificate signed by the CA (e.g. for a name the client does not connect to). */
  issue(names: readonly string[], label?: string): Promise<TestCertificate>;
  /** Removes the directory. */
  remove(): Promise<void>;
}

function openssl(args: readonly string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(OPENSSL, [...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr?.on('data', (c: Buffer) => {
      err += c.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`openssl ${args[0]} exited ${code}: ${err.trim()}`))));
  });
}

/** `DNS:name` or `IP:address` for a subjectAltName. */
function altName(name: string): string {
  return /^[\d.]+$/.test(name) || name.includes(':') ? `IP:${name}` : `DNS:${name}`;
}

async function selfSignedCa(dir: string, label: string, subject: string): Promise<{ cert: string; key: string }> {
  const key = `${label}.key`;
  const cert = `${label}.crt`;
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key], dir);
  await openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      key,
      '-sha256',
      '-days',
      '2',
      '-subj',
      subject,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      cert,
    ],
    dir,
  );
  return { cert: join(dir, cert), key: join(dir, key) };
}

/** Makes a test CA, a server certificate it signs for `serverNames`, and an unrelated second CA. */
export async function makeTestCa(options: { serverNames?: readonly string[] } = {}): Promise<TestCa> {
  const dir = await mkdtemp(join(tmpdir(), 'tickstock-tls-'));
  await chmod(dir, 0o755);
  const ca = await selfSignedCa(dir, 'ca', '/CN=TickStock test CA');
  const wrong = await selfSignedCa(dir, 'wrong-ca', '/CN=Unrelated test CA');
  let serial = 0;
  const issue = async (names: readonly string[], label = `server-${++serial}`): Promise<TestCertificate> => {
    if (names.length === 0) throw new RangeError('a server certificate needs at least one name');
    const key = join(dir, `${label}.key`);
    const csr = join(dir, `${label}.csr`);
    const cert = join(dir, `${label}.crt`);
    const ext = join(dir, `${label}.ext`);
    await writeFile(
      ext,
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth,clientAuth',
        `subjectAltName=${names.map(altName).join(',')}`,
        '',
      ].join('\n'),
    );
    await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key], dir);
    await openssl(['req', '-new', '-key', key, '-subj', `/CN=${names[0]}`, '-out', csr], dir);
    await openssl(
      [
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        ca.cert,
        '-CAkey',
        ca.key,
        '-CAcreateserial',
        '-days',
        '2',
        '-sha256',
        '-extfile',
        ext,
        '-out',
        cert,
      ],
      dir,
    );
    await chmod(key, 0o644);
    return { certFile: cert, keyFile: key, names: [...names] };
  };
  const server = await issue(options.serverNames ?? ['localhost', '127.0.0.1'], 'server');
  return {
    dir,
    caFile: ca.cert,
    caPem: await readFile(ca.cert, 'utf8'),
    server,
    serverTls: { certFile: server.certFile, keyFile: server.keyFile, caFile: ca.cert },
    wrongCaFile: wrong.cert,
    issue,
    async remove() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}
