import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadNpz, parseNpz } from '../../kernel-lib/data/npz';
import { readZipEntries } from '../../kernel-lib/data/zip';
import { setLogSink } from '../../kernel-lib/util/log';
import { makeZip, npy } from '../helpers/npz-writer';

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
