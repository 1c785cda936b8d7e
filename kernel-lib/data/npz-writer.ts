import * as zlib from 'zlib';
import { writeFileAtomic } from '../util/atomic-write';

/** An array to store: uint8 or int32 or float32 values in row-major order. */
export interface NpyInput {
  data: Uint8Array | Int32Array | Float32Array;
  shape: number[];
}

function descrOf(data: NpyInput['data']): string {
  if (data instanceof Uint8Array) return '|u1';
  if (data instanceof Int32Array) return '<i4';
  return '<f4';
}

/**
 * Encodes one array as a `.npy` version 1.0 file: magic, version, a uint16 header length,
 * a Python-literal header dict padded with spaces to a 64-byte boundary, then the data
 * (little-endian, C order).
 */
export function encodeNpy(array: NpyInput): Uint8Array {
  const size = array.shape.reduce((a, b) => a * b, 1);
  if (size !== array.data.length) {
    throw new Error(`encodeNpy: shape [${array.shape}] needs ${size} values, got ${array.data.length}`);
  }
  const shapeText = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  const dict = `{'descr': '${descrOf(array.data)}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // 10 bytes of magic, version and length, then the dict, spaces and a newline.
  const headerLength = Math.ceil((10 + dict.length + 1) / 64) * 64 - 10;
  const header = Buffer.from(dict.padEnd(headerLength - 1, ' ') + '\n', 'latin1');
  const prefix = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, headerLength & 0xff, headerLength >> 8]);
  const body = Buffer.from(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  return Buffer.concat([prefix, header, body]);
}

/**
 * Encodes arrays as an uncompressed (stored) `.npz` ZIP archive, entries named `<key>.npy`,
 * which numpy.load and medsynth's loadNpz read. Sizes stay below 4 GiB, so no ZIP64 fields.
 * Every entry is dated 1980-01-01 00:00 (the earliest DOS date), so equal arrays give equal bytes.
 */
/** DOS date field for 1980-01-01: (year − 1980) << 9 | month << 5 | day. */
const DOS_DATE_1980_01_01 = (1 << 5) | 1;

export function encodeNpz(arrays: Record<string, NpyInput>): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [key, array] of Object.entries(arrays)) {
    const name = Buffer.from(`${key}.npy`, 'utf8');
    const data = Buffer.from(encodeNpy(array));
    const crc = zlib.crc32(data);

    // Local file header (PKWARE APPNOTE 4.3.7), 30 bytes before the name.
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0
    local.writeUInt16LE(DOS_DATE_1980_01_01, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);

    // Central directory header (APPNOTE 4.3.12), 46 bytes before the name.
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(DOS_DATE_1980_01_01, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);

    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }

  // End of central directory record (APPNOTE 4.3.16).
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(arrays).length, 8);
  end.writeUInt16LE(Object.keys(arrays).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

export function saveNpz(filePath: string, arrays: Record<string, NpyInput>): void {
  writeFileAtomic(filePath, encodeNpz(arrays));
}
