/**
 * Message signatures of the Jupyter messaging protocol (v5.3, "The Wire Protocol" in the
 * jupyter_client documentation): HMAC-SHA256, keyed with the connection file's `key`, over the
 * header, parent_header, metadata and content frames in that order, as lowercase hex. The
 * binary buffers that may follow the content are not signed.
 */
import * as crypto from 'crypto';

/** The `signature_scheme` that this client writes and accepts. */
export const SIGNATURE_SCHEME = 'hmac-sha256';

/** The four signed frames, exactly as they are sent: JSON text or its UTF-8 bytes. */
export type SignedFrames = readonly [Uint8Array | string, Uint8Array | string, Uint8Array | string, Uint8Array | string];

/**
 * Computes the hex signature of a message's header, parent_header, metadata and content frames.
 * An empty key means that messages are unsigned, so the signature is the empty string.
 */
export function signMessage(key: string, frames: SignedFrames): string {
  if (typeof key !== 'string') {
    throw new Error(`signMessage: \`key\` must be a string (the connection file's key), got ${typeof key}`);
  }
  if (!Array.isArray(frames) || frames.length !== 4) {
    const count = Array.isArray(frames) ? frames.length : typeof frames;
    throw new Error(`signMessage: \`frames\` must be [header, parent_header, metadata, content], got ${count} frames`);
  }
  if (key === '') return '';

  const hmac = crypto.createHmac('sha256', key);
  for (const frame of frames) hmac.update(frame);
  return hmac.digest('hex');
}

/**
 * Checks a received signature against the one computed from the frames, in constant time so
 * that the comparison leaks nothing about the expected value. With an empty key only the empty
 * signature is valid.
 */
export function verifySignature(key: string, signature: string, frames: SignedFrames): boolean {
  const expected = Buffer.from(signMessage(key, frames), 'utf8');
  const received = Buffer.from(signature, 'utf8');
  // timingSafeEqual requires equal lengths; a length mismatch reveals only the length of a hex digest.
  if (expected.length !== received.length) return false;
  return crypto.timingSafeEqual(expected, received);
}
