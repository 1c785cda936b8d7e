/**
 * Minimal ZIP reader for `.npz` archives (PKWARE APPNOTE 6.3.x): stored and deflate
 * entries, ZIP64 sizes and offsets, CRC-32 checked. Not supported: encryption,
 * archives split over several disks, and compression methods other than 0 and 8.
 */
import * as zlib from 'zlib';

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_EOCD_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const ZIP64_EXTRA_TAG = 0x0001;

const EOCD_SIZE = 22;
const ZIP64_LOCATOR_SIZE = 20;
const CENTRAL_HEADER_SIZE = 46;
const LOCAL_HEADER_SIZE = 30;
const MAX_COMMENT_LENGTH = 0xffff;

interface CentralEntry {
  name: string;
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

/**
 * Reads every file entry of a ZIP archive into memory, keyed by its name; folder
 * entries (names ending in '/') are skipped. Sizes and offsets come from the central
 * directory, so local headers that carry 0xFFFFFFFF sizes (as numpy writes them) are
 * fine. Throws "not a zip archive" when no end of central directory record exists,
 * and "corrupt or truncated zip archive" for any structural, size or CRC-32 mismatch.
 */
export function readZipEntries(bytes: Uint8Array, source: string): Map<string, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const corrupt = (detail: string): never => {
    throw new Error(
      `readZipEntries: corrupt or truncated zip archive ${source}: ${detail}; ` +
        'download the file again and check its checksum (md5)',
    );
  };

  // 1. End of central directory record: the last EOCD signature within the final 64 KiB + 22 bytes.
  const eocdOffset = findEocd(view);
  if (eocdOffset < 0) {
    const startsLikeZip = bytes.length >= 4 && view.getUint32(0, true) === LOCAL_HEADER_SIGNATURE;
    if (startsLikeZip) corrupt('no end of central directory record (the end of the file is missing)');
    throw new Error(
      `readZipEntries: ${source} is not a zip archive (no end of central directory record found); ` +
        'expected a .npz file written by numpy.savez or numpy.savez_compressed',
    );
  }
  if (view.getUint16(eocdOffset + 4, true) !== 0 || view.getUint16(eocdOffset + 6, true) !== 0) {
    throw new Error(`readZipEntries: ${source} is split over several disks, which is not supported; join it into one file`);
  }
  let entryCount = view.getUint16(eocdOffset + 10, true);
  let directorySize = view.getUint32(eocdOffset + 12, true);
  let directoryOffset = view.getUint32(eocdOffset + 16, true);

  // 2. A ZIP64 locator just before the EOCD points to the ZIP64 EOCD record with 64-bit fields.
  const locatorOffset = eocdOffset - ZIP64_LOCATOR_SIZE;
  if (locatorOffset >= 0 && view.getUint32(locatorOffset, true) === ZIP64_EOCD_LOCATOR_SIGNATURE) {
    const recordOffset = readUint64(view, locatorOffset + 8, corrupt);
    if (recordOffset + 56 > bytes.length || view.getUint32(recordOffset, true) !== ZIP64_EOCD_SIGNATURE) {
      corrupt(`no ZIP64 end of central directory record at offset ${recordOffset}`);
    }
    entryCount = readUint64(view, recordOffset + 32, corrupt);
    directorySize = readUint64(view, recordOffset + 40, corrupt);
    directoryOffset = readUint64(view, recordOffset + 48, corrupt);
  }
  if (directoryOffset + directorySize > bytes.length) {
    corrupt(`central directory (offset ${directoryOffset}, ${directorySize} bytes) extends past the end of the ${bytes.length}-byte file`);
  }

  // 3. Central directory, then each entry's data behind its local header.
  const entries = readCentralDirectory(view, directoryOffset, entryCount, corrupt);
  const files = new Map<string, Uint8Array>();
  for (const entry of entries) {
    if (entry.name.endsWith('/')) continue;
    if (files.has(entry.name)) corrupt(`entry '${entry.name}' appears twice`);
    files.set(entry.name, readEntryData(bytes, view, entry, source, corrupt));
  }
  return files;
}

function findEocd(view: DataView): number {
  const lowest = Math.max(0, view.byteLength - EOCD_SIZE - MAX_COMMENT_LENGTH);
  for (let offset = view.byteLength - EOCD_SIZE; offset >= lowest; offset--) {
    if (view.getUint32(offset, true) !== EOCD_SIGNATURE) continue;
    // A real record's comment length reaches exactly to the end of the file.
    if (offset + EOCD_SIZE + view.getUint16(offset + 20, true) === view.byteLength) return offset;
  }
  return -1;
}

function readCentralDirectory(
  view: DataView,
  directoryOffset: number,
  entryCount: number,
  corrupt: (detail: string) => never,
): CentralEntry[] {
  const entries: CentralEntry[] = [];
  let offset = directoryOffset;
  for (let i = 0; i < entryCount; i++) {
    if (offset + CENTRAL_HEADER_SIZE > view.byteLength || view.getUint32(offset, true) !== CENTRAL_HEADER_SIGNATURE) {
      corrupt(`central directory entry ${i} of ${entryCount} is missing at offset ${offset}`);
    }
    const flags = view.getUint16(offset + 8, true);
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    const nameStart = offset + CENTRAL_HEADER_SIZE;
    const extraStart = nameStart + nameLength;
    if (extraStart + extraLength + commentLength > view.byteLength) corrupt(`central directory entry ${i} is cut off`);

    // Bit 11 marks a UTF-8 name; other names are CP437, which equals ASCII for numpy's keys.
    const nameBytes = Buffer.from(view.buffer, view.byteOffset + nameStart, nameLength);
    const entry: CentralEntry = {
      name: nameBytes.toString(flags & 0x0800 ? 'utf8' : 'latin1'),
      flags,
      method: view.getUint16(offset + 10, true),
      crc32: view.getUint32(offset + 16, true),
      compressedSize: view.getUint32(offset + 20, true),
      uncompressedSize: view.getUint32(offset + 24, true),
      localHeaderOffset: view.getUint32(offset + 42, true),
    };
    applyZip64Extra(view, extraStart, extraLength, entry, corrupt);
    entries.push(entry);
    offset = extraStart + extraLength + commentLength;
  }
  return entries;
}

/**
 * Replaces each 32-bit field that is 0xFFFFFFFF with its 64-bit value from the ZIP64
 * extra field (tag 0x0001). That field lists only the replaced fields, in the order
 * uncompressed size, compressed size, local header offset.
 */
function applyZip64Extra(
  view: DataView,
  extraStart: number,
  extraLength: number,
  entry: CentralEntry,
  corrupt: (detail: string) => never,
): void {
  const fields = (['uncompressedSize', 'compressedSize', 'localHeaderOffset'] as const).filter(
    (field) => entry[field] === 0xffffffff,
  );
  if (fields.length === 0) return;

  let offset = extraStart;
  while (offset + 4 <= extraStart + extraLength) {
    const tag = view.getUint16(offset, true);
    const size = view.getUint16(offset + 2, true);
    if (tag === ZIP64_EXTRA_TAG) {
      if (size < fields.length * 8) corrupt(`ZIP64 extra field of '${entry.name}' is too short (${size} bytes)`);
      fields.forEach((field, k) => {
        entry[field] = readUint64(view, offset + 4 + 8 * k, corrupt);
      });
      return;
    }
    offset += 4 + size;
  }
  corrupt(`'${entry.name}' has a 0xFFFFFFFF size or offset but no ZIP64 extra field`);
}

function readEntryData(
  bytes: Uint8Array,
  view: DataView,
  entry: CentralEntry,
  source: string,
  corrupt: (detail: string) => never,
): Uint8Array {
  const where = `entry '${entry.name}'`;
  if (entry.flags & 0x0001) {
    throw new Error(`readZipEntries: ${where} of ${source} is encrypted, which is not supported; extract it with a zip tool first`);
  }

  // The local header repeats name and extra field with lengths of its own; skip both.
  const local = entry.localHeaderOffset;
  if (local + LOCAL_HEADER_SIZE > bytes.length || view.getUint32(local, true) !== LOCAL_HEADER_SIGNATURE) {
    corrupt(`${where}: no local file header at offset ${local}`);
  }
  const dataStart = local + LOCAL_HEADER_SIZE + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
  const dataEnd = dataStart + entry.compressedSize;
  if (dataEnd > bytes.length) {
    corrupt(`${where} needs bytes ${dataStart} to ${dataEnd}, the file has ${bytes.length}`);
  }
  const compressed = bytes.subarray(dataStart, dataEnd);

  let data: Uint8Array;
  if (entry.method === 0) {
    data = compressed;
  } else if (entry.method === 8) {
    try {
      data = zlib.inflateRawSync(compressed);
    } catch (err) {
      return corrupt(`${where} does not inflate (${(err as Error).message})`);
    }
  } else {
    throw new Error(
      `readZipEntries: ${where} of ${source} uses compression method ${entry.method}; ` +
        'only 0 (stored) and 8 (deflate) are supported, so re-save it with numpy.savez or numpy.savez_compressed',
    );
  }

  if (data.length !== entry.uncompressedSize) {
    corrupt(`${where} has ${data.length} bytes, the central directory says ${entry.uncompressedSize}`);
  }
  const actualCrc = zlib.crc32(data);
  if (actualCrc !== entry.crc32) {
    corrupt(`${where} fails its CRC-32 check (expected ${hex32(entry.crc32)}, got ${hex32(actualCrc)})`);
  }
  return data;
}

/** Reads a little-endian uint64 that must fit in a JavaScript number (below 2^53). */
function readUint64(view: DataView, offset: number, corrupt: (detail: string) => never): number {
  if (offset + 8 > view.byteLength) corrupt(`a 64-bit field at offset ${offset} is past the end of the file`);
  const value = view.getBigUint64(offset, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) corrupt(`64-bit field ${value} at offset ${offset} is too large`);
  return Number(value);
}

function hex32(value: number): string {
  return '0x' + (value >>> 0).toString(16).padStart(8, '0');
}
