import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { loadMedMnist } from '../../kernel-lib/data/medmnist';

// Minimal .npz writer: stored ZIP entries (PKWARE APPNOTE 6.3) holding .npy v1.0 arrays.

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

function npy(descr: string, shape: number[], data: ArrayBufferView): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const header = Buffer.from(dict.padEnd(total - 11) + '\n', 'latin1');
  return Buffer.concat([Buffer.from('\x93NUMPY\x01\x00', 'latin1'), u16(header.length), header,
    Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

function storedZip(files: Record<string, Buffer>): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(files)) {
    const nameBytes = Buffer.from(name);
    const crc = zlib.crc32(data);
    const fields = [u16(0), u16(0), u16(0), u16(0x21), u32(crc), u32(data.length), u32(data.length), u16(nameBytes.length), u16(0)];
    const local = Buffer.concat([u32(0x04034b50), u16(20), ...fields, nameBytes]);
    central.push(Buffer.concat([u32(0x02014b50), u16(20), u16(20), ...fields, u16(0), u16(0), u16(0), u32(0), u32(offset), nameBytes]));
    parts.push(local, data);
    offset += local.length + data.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.concat([u32(0x06054b50), u16(0), u16(0), u16(central.length), u16(central.length),
    u32(directory.length), u32(offset), u16(0)]);
  return Buffer.concat([...parts, directory, end]);
}

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-medmnist-'));
test.after(() => fs.rmSync(tmpDir, { recursive: true, force: true }));

function writeNpz(name: string, files: Record<string, Buffer>): string {
  const filePath = path.join(tmpDir, name);
  fs.writeFileSync(filePath, storedZip(files));
  return filePath;
}

/** `count` images of 2×3 pixels where image i has pixel values 10i + 0 … 10i + 5. */
function ramps(count: number): Uint8Array {
  return Uint8Array.from({ length: count * 6 }, (_, j) => 10 * Math.floor(j / 6) + (j % 6));
}

test('loads splits with (N, 1) labels', () => {
  const filePath = writeNpz('tiny.npz', {
    'train_images.npy': npy('|u1', [3, 2, 3], ramps(3)),
    'train_labels.npy': npy('|u1', [3, 1], Uint8Array.from([1, 0, 1])),
    'val_images.npy': npy('|u1', [1, 2, 3], ramps(1)),
    'val_labels.npy': npy('|u1', [1, 1], Uint8Array.from([0])),
    'test_images.npy': npy('|u1', [2, 2, 3], ramps(2)),
    'test_labels.npy': npy('|u1', [2, 1], Uint8Array.from([1, 1])),
  });
  const ds = loadMedMnist(filePath, { name: 'tiny', classNames: ['normal', 'pneumonia'] });
  assert.is(ds.name, 'tiny');
  assert.is(ds.height, 2);
  assert.is(ds.width, 3);
  assert.equal(ds.classNames, ['normal', 'pneumonia']);
  assert.is(ds.source, filePath);
  assert.is(ds.splits.train.count, 3);
  assert.equal(Array.from(ds.splits.train.labels), [1, 0, 1]);
  assert.equal(Array.from(ds.splits.train.images.subarray(6, 12)), [10, 11, 12, 13, 14, 15]);
  assert.is(ds.splits.val!.count, 1);
  assert.equal(Array.from(ds.splits.test!.labels), [1, 1]);
});

test('loads (N, H, W, 1) images and (N,) labels', () => {
  const filePath = writeNpz('channel.npz', {
    'train_images.npy': npy('|u1', [3, 2, 3, 1], ramps(3)),
    'train_labels.npy': npy('<i8', [3], BigInt64Array.from([2n, 0n, 1n])),
  });
  const ds = loadMedMnist(filePath);
  assert.is(ds.name, 'channel');
  assert.equal(ds.classNames, ['0', '1', '2']);
  assert.equal(Array.from(ds.splits.train.labels), [2, 0, 1]);
  assert.equal(Array.from(ds.splits.train.images), Array.from(ramps(3)));
  assert.is(ds.splits.val, undefined);
  assert.is(ds.splits.test, undefined);
});

test('rejects RGB images', () => {
  const filePath = writeNpz('rgb.npz', {
    'train_images.npy': npy('|u1', [1, 2, 2, 3], new Uint8Array(12)),
    'train_labels.npy': npy('|u1', [1, 1], Uint8Array.from([0])),
  });
  assert.throws(() => loadMedMnist(filePath), /train_images has shape \(1, 2, 2, 3\): RGB images are not supported, only grayscale/);
});

test('rejects label count mismatch naming both counts', () => {
  const filePath = writeNpz('mismatch.npz', {
    'train_images.npy': npy('|u1', [3, 2, 3], ramps(3)),
    'train_labels.npy': npy('|u1', [3, 1], Uint8Array.from([0, 1, 0])),
    'val_images.npy': npy('|u1', [4, 2, 3], ramps(4)),
    'val_labels.npy': npy('|u1', [2, 1], Uint8Array.from([0, 1])),
  });
  assert.throws(() => loadMedMnist(filePath), /val has 4 images but 2 labels/);
});

test('rejects labels outside the class list', () => {
  const filePath = writeNpz('outside.npz', {
    'train_images.npy': npy('|u1', [2, 2, 3], ramps(2)),
    'train_labels.npy': npy('|u1', [2, 1], Uint8Array.from([0, 2])),
  });
  assert.throws(
    () => loadMedMnist(filePath, { classNames: ['malignant', 'normal or benign'] }),
    /train label 2 at index 1 is outside the 2 classes \["malignant","normal or benign"\]/,
  );
});

test('rejects multi-label arrays', () => {
  const filePath = writeNpz('multi.npz', {
    'train_images.npy': npy('|u1', [2, 2, 3], ramps(2)),
    'train_labels.npy': npy('|u1', [2, 14], new Uint8Array(28)),
  });
  assert.throws(() => loadMedMnist(filePath), /train_labels has shape \(2, 14\): multi-label sets are not supported/);
});

test('rejects splits of different image size', () => {
  const filePath = writeNpz('sizes.npz', {
    'train_images.npy': npy('|u1', [1, 2, 3], ramps(1)),
    'train_labels.npy': npy('|u1', [1, 1], Uint8Array.from([0])),
    'test_images.npy': npy('|u1', [1, 3, 2], ramps(1)),
    'test_labels.npy': npy('|u1', [1, 1], Uint8Array.from([0])),
  });
  assert.throws(() => loadMedMnist(filePath), /test images are 3×2 but train images are 2×3/);
});

test('rejects missing train keys listing the keys found', () => {
  const filePath = writeNpz('keys.npz', { 'x.npy': npy('|u1', [1], Uint8Array.from([0])) });
  assert.throws(() => loadMedMnist(filePath), /missing 'train_images' or 'train_labels'; the archive has keys \["x"\]/);
});

test('rejects float images', () => {
  const filePath = writeNpz('float.npz', {
    'train_images.npy': npy('<f4', [1, 1, 2], Float32Array.from([0.5, 1])),
    'train_labels.npy': npy('|u1', [1, 1], Uint8Array.from([0])),
  });
  assert.throws(() => loadMedMnist(filePath), /train_images has dtype float32, expected uint8/);
});

test('missing file message names the path', () => {
  const missing = path.join(tmpDir, 'absent.npz');
  assert.throws(() => loadMedMnist(missing), (err: Error) => err.message.includes(`file not found: ${missing}`));
});

test.run();
