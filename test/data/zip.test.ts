import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { loadNpz, parseNpz } from '../../kernel-lib/data/npz';
import { readZipEntries } from '../../kernel-lib/data/zip';
import { setLogSink } from '../../kernel-lib/util/log';

// A ZIP writer following PKWARE APPNOTE 6.3: local headers with the data, then the
// central directory, then the end of central directory record. Options reproduce
// what numpy.savez_compressed writes (ZIP64 local headers with 0xFFFFFFFF sizes) and
// full ZIP64 archives.

interface ZipOptions {
  method: 0 | 8;
  deflateLevel?: number;
  /** Local sizes 0xFFFFFFFF with the real ones in a ZIP64 extra field, as numpy writes them. */
  zip64Local?: boolean;
  /** Central sizes and offset 0xFFFFFFFF with the real ones in a ZIP64 extra field. */
  zip64Central?: boolean;
  /** ZIP64 end of central directory record and locator before the classic record. */
  zip64End?: boolean;
  comment?: string;
}

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(value);
  return b;
}
function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value >>> 0);
  return b;
}
function u64(value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(value));
  return b;
}

function makeZip(files: [string, Uint8Array][], options: ZipOptions): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of files) {
    const nameBytes = Buffer.from(name, 'utf8');
    const body = options.method === 8 ? zlib.deflateRawSync(data, { level: options.deflateLevel ?? 6 }) : Buffer.from(data);
    const crc = zlib.crc32(data);

    const localExtra = options.zip64Local ? Buffer.concat([u16(1), u16(16), u64(data.length), u64(body.length)]) : Buffer.alloc(0);
    const localSizes = options.zip64Local ? [0xffffffff, 0xffffffff] : [body.length, data.length];
    const local = Buffer.concat([
      u32(0x04034b50), u16(45), u16(0), u16(options.method), u16(0), u16(0x21), u32(crc),
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
        u32(0x02014b50), u16(45), u16(45), u16(0), u16(options.method), u16(0), u16(0x21), u32(crc),
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

/** `.npy` v1.0 bytes of a little-endian array with the given descr and shape. */
function npy(descr: string, shape: number[], data: ArrayBufferView): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const header = Buffer.from(dict + ' '.repeat(total - 10 - dict.length - 1) + '\n', 'latin1');
  return Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]), u16(header.length), header,
    Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

// Images 3 × 2 × 2 with a repeating ramp (so deflate has something to compress) and labels (3, 1).
const IMAGES = Uint8Array.from({ length: 12 }, (_, i) => (i * 37) % 256);
const LABELS = Uint8Array.from([0, 1, 1]);
const FILES: [string, Uint8Array][] = [
  ['train_images.npy', npy('|u1', [3, 2, 2], IMAGES)],
  ['train_labels.npy', npy('|u1', [3, 1], LABELS)],
  ['weights.npy', npy('<f4', [2], Float32Array.from([0.5, -1.25]))],
];

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-zip-'));
function writeTemp(name: string, bytes: Uint8Array): string {
  const filePath = path.join(tmpDir, name);
  fs.writeFileSync(filePath, bytes);
  return filePath;
}

test.after(() => fs.rmSync(tmpDir, { recursive: true, force: true }));

test('stored and deflated npz load identically', () => {
  const stored = loadNpz(writeTemp('stored.npz', makeZip(FILES, { method: 0 })));
  const deflated = loadNpz(writeTemp('deflated.npz', makeZip(FILES, { method: 8 })));
  assert.equal([...stored.keys()], ['train_images', 'train_labels', 'weights']);
  assert.equal([...deflated.keys()], ['train_images', 'train_labels', 'weights']);
  for (const key of stored.keys()) {
    assert.equal(deflated.get(key)!.shape, stored.get(key)!.shape, key);
    assert.equal(Array.from(deflated.get(key)!.data), Array.from(stored.get(key)!.data), key);
  }
  assert.equal(Array.from(stored.get('train_images')!.data), Array.from(IMAGES));
  assert.equal(stored.get('train_labels')!.shape, [3, 1]);
  assert.equal(Array.from(stored.get('weights')!.data), [0.5, -1.25]);
});

test('ZIP64 local headers as numpy writes them load', () => {
  const bytes = makeZip(FILES, { method: 8, zip64Local: true });
  // The local header of the first entry carries 0xFFFFFFFF sizes at offsets 18 and 22.
  assert.is(bytes.readUInt32LE(18), 0xffffffff);
  assert.is(bytes.readUInt32LE(22), 0xffffffff);
  const arrays = parseNpz(bytes, 'numpy-style.npz');
  assert.equal(Array.from(arrays.get('train_images')!.data), Array.from(IMAGES));
  assert.equal(Array.from(arrays.get('train_labels')!.data), Array.from(LABELS));
});

test('ZIP64 central directory and end record load', () => {
  const bytes = makeZip(FILES, { method: 8, zip64Local: true, zip64Central: true, zip64End: true });
  const entries = readZipEntries(bytes, 'zip64.zip');
  assert.equal([...entries.keys()], FILES.map(([name]) => name));
  assert.equal(Array.from(entries.get('weights.npy')!), Array.from(FILES[2][1]));
});

test('archive comment before the end does not hide the directory', () => {
  const entries = readZipEntries(makeZip(FILES, { method: 0, comment: 'PK\x05\x06 looks like a signature' }), 'c.zip');
  assert.is(entries.size, 3);
});

test('folder entries are skipped', () => {
  const entries = readZipEntries(makeZip([['data/', new Uint8Array(0)], ...FILES], { method: 0 }), 'f.zip');
  assert.equal([...entries.keys()], FILES.map(([name]) => name));
});

test('truncated npz is rejected', () => {
  const bytes = makeZip(FILES, { method: 8 });
  for (const cut of [10, bytes.length / 2]) {
    const truncated = bytes.subarray(0, bytes.length - Math.floor(cut));
    assert.throws(() => parseNpz(truncated, 'cut.npz'), /corrupt or truncated zip archive cut\.npz: .*download the file again/);
  }
});

test('flipped byte in a deflated entry fails CRC-32', () => {
  // Level 0 deflate writes stored blocks, so a flipped payload byte still inflates and only
  // the CRC-32 can catch it. The payload of the first entry starts after the 30-byte local
  // header, the name and the 5-byte stored block header.
  const bytes = makeZip(FILES, { method: 8, deflateLevel: 0 });
  const corrupted = Buffer.from(bytes);
  corrupted[30 + 'train_images.npy'.length + 5 + 100] ^= 0x01;
  assert.throws(() => parseNpz(corrupted, 'flip.npz'), /flip\.npz: entry 'train_images\.npy' fails its CRC-32 check/);
});

test('flipped byte in compressed data is rejected', () => {
  const bytes = makeZip(FILES, { method: 8 });
  const corrupted = Buffer.from(bytes);
  corrupted[30 + 'train_images.npy'.length + 10] ^= 0xff;
  assert.throws(() => parseNpz(corrupted, 'flip.npz'), /corrupt or truncated zip archive flip\.npz: entry 'train_images\.npy'/);
});

test('flipped byte in a stored entry fails CRC-32', () => {
  const corrupted = Buffer.from(makeZip(FILES, { method: 0 }));
  corrupted[30 + 'train_images.npy'.length + 130] ^= 0x80;
  assert.throws(() => parseNpz(corrupted, 's.npz'), /fails its CRC-32 check \(expected 0x[0-9a-f]{8}, got 0x[0-9a-f]{8}\)/);
});

test('missing file message names the path', () => {
  const missing = path.join(tmpDir, 'no-such-dir', 'pneumoniamnist.npz');
  assert.throws(
    () => loadNpz(missing),
    (err: Error) => err.message.includes(missing) && /loadNpz: file not found/.test(err.message),
  );
});

test('file that is not a zip is rejected', () => {
  const filePath = writeTemp('text.npz', Buffer.from('label,value\n0,1\n'));
  assert.throws(() => loadNpz(filePath), /text\.npz is not a zip archive/);
});

test('single npy file is rejected as npz', () => {
  assert.throws(() => parseNpz(FILES[0][1], 'images.npy'), /images\.npy is a single \.npy array, not a \.npz archive/);
});

test('non-npy entry is skipped with a warning', () => {
  const warnings: string[] = [];
  const previous = setLogSink((level, message) => warnings.push(`${level}: ${message}`));
  try {
    const arrays = parseNpz(makeZip([...FILES, ['README.txt', Buffer.from('hello')]], { method: 0 }), 'r.npz');
    assert.equal([...arrays.keys()], ['train_images', 'train_labels', 'weights']);
  } finally {
    setLogSink(previous);
  }
  assert.is(warnings.length, 1);
  assert.match(warnings[0], "warn: parseNpz: skipping entry 'README.txt' of r.npz");
});

test('unsupported compression method is named', () => {
  const bytes = makeZip(FILES.slice(0, 1), { method: 0 });
  const directoryStart = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  bytes.writeUInt16LE(12, directoryStart + 10); // bzip2
  assert.throws(() => readZipEntries(bytes, 'b.zip'), /uses compression method 12; only 0 \(stored\) and 8 \(deflate\)/);
});

test.run();
