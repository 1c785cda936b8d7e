import * as fs from 'fs';
import * as zlib from 'zlib';

// Writers of `.npy`, ZIP and `.npz` fixtures for the data tests.
//
// `.npy` bytes follow numpy.lib.format: magic, version bytes, and header length (uint16 LE
// for 1.0, uint32 LE for 2.0 and 3.0). The dict follows, padded with spaces and ended by
// '\n' so that the whole header is a multiple of 64 bytes, then the element bytes.
//
// ZIP archives follow PKWARE APPNOTE 6.3: local headers with the data, then the central
// directory, then the end of central directory record. Options reproduce what
// numpy.savez_compressed writes (ZIP64 local headers with 0xFFFFFFFF sizes) and full
// ZIP64 archives.

/** Encodes `value` as 2 little-endian bytes. */
export function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(value);
  return b;
}

/** Encodes `value` as 4 little-endian bytes. A negative value wraps to its uint32 pattern. */
export function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value >>> 0);
  return b;
}

/** Encodes `value` as 8 little-endian bytes. */
export function u64(value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(value));
  return b;
}

/** Views the bytes of a typed array without copying them. */
export function bytesOf(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/**
 * Builds `.npy` bytes from a header dict and the element bytes. `version` is the major
 * format version (1, 2 or 3); `totalHeaderLength` overrides the 64-byte alignment of
 * magic, length field and header together.
 */
export function npyBytes(dict: string, data: Uint8Array, version = 1, totalHeaderLength?: number): Uint8Array {
  const prefixLength = version === 1 ? 10 : 12;
  const unpadded = prefixLength + dict.length + 1;
  const total = totalHeaderLength ?? Math.ceil(unpadded / 64) * 64;
  const headerText = dict + ' '.repeat(total - unpadded) + '\n';

  const out = new Uint8Array(total + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerText.length, true);
  else view.setUint32(8, headerText.length, true);
  out.set(Buffer.from(headerText, 'latin1'), prefixLength);
  out.set(data, total);
  return out;
}

/**
 * Builds `.npy` v1.0 bytes of a C-order array with dtype `descr` (for example '|u1' or
 * '<f4') and `shape`, written as numpy writes it: `()`, `(3,)` or `(3, 2)`.
 */
export function npy(descr: string, shape: number[], data: ArrayBufferView): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  return npyBytes(dict, bytesOf(data));
}

export interface ZipOptions {
  /** Compression method of every entry: 0 stored, 8 deflate. Default 0. */
  method?: 0 | 8;
  /** zlib level for deflated entries; level 0 writes stored deflate blocks. Default 6. */
  deflateLevel?: number;
  /** Local sizes 0xFFFFFFFF with the real ones in a ZIP64 extra field, as numpy writes them. */
  zip64Local?: boolean;
  /** Central sizes and offset 0xFFFFFFFF with the real ones in a ZIP64 extra field. */
  zip64Central?: boolean;
  /** ZIP64 end of central directory record and locator before the classic record. */
  zip64End?: boolean;
  /** Archive comment after the end of central directory record. */
  comment?: string;
}

/** Builds a ZIP archive of `files` (entry name, uncompressed bytes) in the given order. */
export function makeZip(files: [string, Uint8Array][], options: ZipOptions = {}): Buffer {
  const method = options.method ?? 0;
  // Version needed to extract (APPNOTE 4.4.3.2): 2.0 covers stored and deflated entries,
  // and 4.5 is required once any ZIP64 field is written. "Version made by" repeats it.
  const version = options.zip64Local || options.zip64Central || options.zip64End ? 45 : 20;
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of files) {
    const nameBytes = Buffer.from(name, 'utf8');
    const body = method === 8 ? zlib.deflateRawSync(data, { level: options.deflateLevel ?? 6 }) : Buffer.from(data);
    const crc = zlib.crc32(data);

    const localExtra = options.zip64Local ? Buffer.concat([u16(1), u16(16), u64(data.length), u64(body.length)]) : Buffer.alloc(0);
    const localSizes = options.zip64Local ? [0xffffffff, 0xffffffff] : [body.length, data.length];
    const local = Buffer.concat([
      u32(0x04034b50), u16(version), u16(0), u16(method), u16(0), u16(0x21), u32(crc),
      u32(localSizes[0]), u32(localSizes[1]), u16(nameBytes.length), u16(localExtra.length), nameBytes, localExtra,
    ]);

    const centralExtra = options.zip64Central
      ? Buffer.concat([u16(1), u16(24), u64(data.length), u64(body.length), u64(offset)])
      : Buffer.alloc(0);
    const [compressed, uncompressed, localOffset] = options.zip64Central
      ? [0xffffffff, 0xffffffff, 0xffffffff]
      : [body.length, data.length, offset];
    central.push(
      Buffer.concat([
        u32(0x02014b50), u16(version), u16(version), u16(0), u16(method), u16(0), u16(0x21), u32(crc),
        u32(compressed), u32(uncompressed), u16(nameBytes.length), u16(centralExtra.length), u16(0), u16(0), u16(0),
        u32(0), u32(localOffset), nameBytes, centralExtra,
      ]),
    );
    parts.push(local, body);
    offset += local.length + body.length;
  }

  const directory = Buffer.concat(central);
  const directoryOffset = offset;
  parts.push(directory);
  if (options.zip64End) {
    const recordOffset = directoryOffset + directory.length;
    parts.push(
      Buffer.concat([
        u32(0x06064b50), u64(44), u16(45), u16(45), u32(0), u32(0),
        u64(files.length), u64(files.length), u64(directory.length), u64(directoryOffset),
      ]),
      Buffer.concat([u32(0x07064b50), u32(0), u64(recordOffset), u32(1)]),
    );
  }
  const comment = Buffer.from(options.comment ?? '', 'utf8');
  const count = options.zip64End ? 0xffff : files.length;
  parts.push(
    Buffer.concat([
      u32(0x06054b50), u16(0), u16(0), u16(count), u16(count),
      u32(options.zip64End ? 0xffffffff : directory.length), u32(options.zip64End ? 0xffffffff : directoryOffset),
      u16(comment.length), comment,
    ]),
  );
  return Buffer.concat(parts);
}

/**
 * Writes a `.npz` archive to `filePath` and returns `filePath`. `entries` maps each full
 * entry name (for example 'train_images.npy') to its bytes. Entries are stored unless
 * `options.method` is 8.
 */
export function writeNpz(filePath: string, entries: Record<string, Uint8Array>, options: ZipOptions = {}): string {
  fs.writeFileSync(filePath, makeZip(Object.entries(entries), options));
  return filePath;
}
