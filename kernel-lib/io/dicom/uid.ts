/**
 * DICOM unique identifiers (UIDs, PS3.5 section 9): dot-separated decimal components,
 * at most 64 characters. New UIDs use the `2.25` root of ISO/IEC 9834-8 and ITU-T X.667,
 * under which a UUID is written as one unsigned decimal integer, so no registered
 * organisation root is needed.
 */
import { randomUUID } from 'crypto';

/** SOP Class UID of the Secondary Capture Image Storage IOD (PS3.4 annex B.5). */
export const SECONDARY_CAPTURE_SOP_CLASS_UID = '1.2.840.10008.5.1.4.1.1.7';

/**
 * Implementation Class UID written in the file meta group of every file medsynth writes.
 * It is fixed: it names the writing software, not a file. It is the `2.25` form of the UUID
 * 13b53e5d-c62c-461c-b883-babd502ba295, generated once for medsynth.
 */
export const MEDSYNTH_IMPLEMENTATION_CLASS_UID = '2.25.26196402590254301392233712987493081749';

/** Maximum length of a UID value in characters (PS3.5 section 9.1). */
export const MAX_UID_LENGTH = 64;

const UID_PATTERN = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Returns whether `uid` is a valid DICOM UID: one or more decimal components separated by
 * single dots, none empty and none with a leading zero (`0` alone is allowed), and at most
 * 64 characters. `1.2.3.0042`, `1.2.3.`, `1..2` and the empty string are invalid.
 */
export function isValidUid(uid: string): boolean {
  return typeof uid === 'string' && uid.length <= MAX_UID_LENGTH && UID_PATTERN.test(uid);
}

/**
 * Converts a UUID to its DICOM UID `2.25.<the UUID's 128 bits as an unsigned decimal
 * integer>`, as ISO/IEC 9834-8 defines it. The result has at most 5 + 39 = 44 characters.
 * For example 022f82f4-e9df-4533-b237-6ab563dfaf56 gives
 * 2.25.2905150061221021385062612688732925782.
 */
export function uuidToUid(uuid: string): string {
  if (typeof uuid !== 'string' || !UUID_PATTERN.test(uuid)) {
    throw new Error(`uuidToUid: \`uuid\` must be 32 hexadecimal digits in 8-4-4-4-12 groups, got ${JSON.stringify(uuid)}`);
  }
  const value = BigInt('0x' + uuid.replace(/-/g, ''));
  return `2.25.${value.toString(10)}`;
}

/**
 * Generates a new UID from a random (version 4) UUID. UIDs must be unique and are
 * deliberately not reproducible: they come from crypto.randomUUID, never from a seed, so
 * two exports of the same run get different UIDs and a PACS never merges them.
 */
export function newUid(): string {
  return uuidToUid(randomUUID());
}
