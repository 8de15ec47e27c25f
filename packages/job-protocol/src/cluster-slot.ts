/**
 * Redis Cluster hash slots: which part of a key decides its slot, and a hash tag that puts another key in the same
 * slot, so that a Lua script can touch both keys on Redis Cluster too.
 */

/** Number of hash slots of a Redis Cluster. */
export const CLUSTER_SLOTS = 16_384;

/**
 * The part of `key` Redis Cluster hashes: the text between the first `{` and the first `}` after it when that text
 * is not empty (the hash tag), otherwise the whole key (Redis's own `keyHashSlot` rule).
 */
export function clusterHashTag(key: string): string {
  const open = key.indexOf('{');
  if (open < 0) return key;
  const close = key.indexOf('}', open + 1);
  if (close < 0 || close === open + 1) return key;
  return key.slice(open + 1, close);
}

/** CRC16-XMODEM (polynomial 0x1021, initial 0) of the UTF-8 bytes of `text`: the checksum Redis Cluster slots use. */
function crc16(text: string): number {
  let crc = 0;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The Redis Cluster hash slot of `key` (what `CLUSTER KEYSLOT key` answers). */
export function clusterKeySlot(key: string): number {
  return crc16(clusterHashTag(key)) % CLUSTER_SLOTS;
}

/**
 * A hash tag that puts any key `…{tag}…` in the same Redis Cluster slot as `key`: the part of `key` that decides its
 * slot ({@link clusterHashTag}: its own non-empty `{…}` tag, else the whole key). That part contains no `}` unless it
 * is a whole key that has one (a job_id may hold `}`); it could not sit inside braces then, so a stand-in is used:
 * the first of `~0`, `~1`, `~2`, … in the same slot (every slot has one below `~113596`).
 */
export function sameSlotHashTag(key: string): string {
  const part = clusterHashTag(key);
  if (!part.includes('}')) return part;
  const slot = crc16(part) % CLUSTER_SLOTS;
  for (let n = 0; ; n++) {
    const candidate = `~${n}`;
    if (crc16(candidate) % CLUSTER_SLOTS === slot) return candidate;
  }
}
