import * as crypto from 'crypto';
import { Random } from '../../kernel-lib/util/random';

/** Size of each test payload: 1 MiB. */
export const PAYLOAD_BYTES = 1 << 20;

/** Returns 1 MiB of seeded random bytes, different for every seed, so a mixed file has a hash of its own. */
export function makePayload(seed: number): Buffer {
  const random = new Random(seed);
  const words = new Uint32Array(PAYLOAD_BYTES / 4);
  for (let i = 0; i < words.length; i++) words[i] = random.nextUint32();
  return Buffer.from(words.buffer);
}

export function sha256(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}
