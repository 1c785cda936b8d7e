import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { encode } from 'fast-png';
import { loadPngFolder } from '../../kernel-lib/data/png-folder';

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-png-'));
test.after(() => fs.rmSync(tmpDir, { recursive: true, force: true }));

/** Writes a 3-wide, 2-high PNG; `data` is row-major with `channels` samples per pixel. */
function writePng(filePath: string, data: number[], channels = 1, depth: 8 | 16 = 8): void {
  fs.mkdirSync(path.dirname(filePath), { recursive: true });
  const typed = depth === 16 ? Uint16Array.from(data) : Uint8Array.from(data);
  fs.writeFileSync(filePath, encode({ width: 3, height: 2, data: typed, channels, depth }));
}

/** Writes a 3×2 palette PNG (colour type 3) by hand, since fast-png cannot encode one. */
function writePalettePng(filePath: string, palette: number[][], indices: number[]): void {
  const chunk = (type: string, body: Buffer) => {
    const typeAndBody = Buffer.concat([Buffer.from(type, 'latin1'), body]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(typeAndBody));
    return Buffer.concat([length, typeAndBody, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(3, 0); // width
  header.writeUInt32BE(2, 4); // height
  header.set([8, 3, 0, 0, 0], 8); // bit depth 8, colour type 3, deflate, adaptive filter, no interlace
  // Each row: filter type 0 (None), then one palette index per pixel.
  const rows = Buffer.from([0, ...indices.slice(0, 3), 0, ...indices.slice(3)]);
  fs.mkdirSync(path.dirname(filePath), { recursive: true });
  fs.writeFileSync(
    filePath,
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', header),
      chunk('PLTE', Buffer.from(palette.flat())),
      chunk('IDAT', zlib.deflateSync(rows)),
      chunk('IEND', Buffer.alloc(0)),
    ]),
  );
}

const ramp = (start: number) => [0, 1, 2, 3, 4, 5].map((k) => start + k);

test('class folders load with grayscale conversion', () => {
  const root = path.join(tmpDir, 'classes');
  writePng(path.join(root, 'normal', 'b.png'), ramp(200));
  writePng(path.join(root, 'normal', 'a.png'), ramp(100));
  writePng(path.join(root, 'normal', '10.png'), ramp(0));
  fs.writeFileSync(path.join(root, 'normal', 'notes.txt'), 'ignored');
  // RGB: red, green, blue, white, black, (10, 20, 30).
  writePng(path.join(root, 'pneumonia', 'rgb.png'), [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 10, 20, 30], 3);
  writePng(path.join(root, 'pneumonia', 'gray16.png'), [0, 65535, 32896, 257, 1000, 65280], 1, 16);
  writePng(path.join(root, 'pneumonia', 'rgba.png'), [255, 0, 0, 0, 0, 255, 0, 128, 0, 0, 255, 255, 9, 9, 9, 255, 0, 0, 0, 0, 90, 90, 90, 7], 4);
  writePng(path.join(root, 'pneumonia', 'ga.png'), [50, 0, 60, 255, 70, 10, 80, 20, 90, 30, 100, 40], 2);
  writePalettePng(path.join(root, 'pneumonia', 'palette.png'), [[0, 0, 0], [255, 0, 0], [0, 255, 0]], [0, 1, 2, 2, 1, 0]);

  const ds = loadPngFolder(root);
  assert.is(ds.name, 'classes');
  assert.is(ds.height, 2);
  assert.is(ds.width, 3);
  assert.equal(ds.classNames, ['normal', 'pneumonia']);
  assert.is(ds.splits.train.count, 8);
  assert.equal(Array.from(ds.splits.train.labels), [0, 0, 0, 1, 1, 1, 1, 1]);
  assert.is(ds.splits.val, undefined);

  // Files in code-point order: 10.png, a.png, b.png; then ga, gray16, palette, rgb, rgba.
  const image = (i: number) => Array.from(ds.splits.train.images.subarray(6 * i, 6 * i + 6));
  assert.equal(image(0), ramp(0));
  assert.equal(image(1), ramp(100));
  assert.equal(image(2), ramp(200));
  assert.equal(image(3), [50, 60, 70, 80, 90, 100], 'grey + alpha drops alpha');
  // 16-bit to 8-bit: round(v × 255 / 65535); 1000 → 3.89 → 4, 65280 → 254.01 → 254.
  assert.equal(image(4), [0, 255, 128, 1, 4, 254], '16-bit grey');
  // BT.601 luma 0.299 R + 0.587 G + 0.114 B: red 76.2, green 149.7, (10, 20, 30) 18.15.
  assert.equal(image(5), [0, 76, 150, 150, 76, 0], 'palette');
  assert.equal(image(6), [76, 150, 29, 255, 0, 18], 'RGB');
  assert.equal(image(7), [76, 150, 29, 9, 0, 90], 'RGBA drops alpha');
});

test('split folders fill train, val and test', () => {
  const root = path.join(tmpDir, 'splits');
  writePng(path.join(root, 'train', 'benign', '1.png'), ramp(1));
  writePng(path.join(root, 'train', 'benign', '2.png'), ramp(2));
  writePng(path.join(root, 'train', 'malignant', '3.png'), ramp(3));
  writePng(path.join(root, 'val', 'malignant', '4.png'), ramp(4));
  writePng(path.join(root, 'test', 'benign', '5.png'), ramp(5));
  writePng(path.join(root, 'test', 'malignant', '6.png'), ramp(6));

  const ds = loadPngFolder(root, { name: 'busi' });
  assert.is(ds.name, 'busi');
  assert.equal(ds.classNames, ['benign', 'malignant']);
  assert.equal(Array.from(ds.splits.train.labels), [0, 0, 1]);
  assert.equal(Array.from(ds.splits.val!.labels), [1]);
  assert.equal(Array.from(ds.splits.val!.images), ramp(4));
  assert.equal(Array.from(ds.splits.test!.labels), [0, 1]);
  assert.equal(Array.from(ds.splits.test!.images.subarray(6)), ramp(6));
});

test('rejects a corrupt PNG naming the file', () => {
  const root = path.join(tmpDir, 'corrupt');
  writePng(path.join(root, 'x', 'good.png'), ramp(0));
  const bad = path.join(root, 'x', 'bad.png');
  writePng(bad, ramp(0));
  const bytes = fs.readFileSync(bad);
  bytes[bytes.length - 20] ^= 0xff; // inside the IDAT chunk, so its CRC no longer matches
  fs.writeFileSync(bad, bytes);
  assert.throws(() => loadPngFolder(root), (err: Error) => err.message.startsWith(`loadPngFolder: corrupt or unreadable PNG ${bad}:`));
});

test('rejects a file that is not a PNG', () => {
  const root = path.join(tmpDir, 'fake');
  const fake = path.join(root, 'x', 'photo.png');
  fs.mkdirSync(path.dirname(fake), { recursive: true });
  fs.writeFileSync(fake, 'GIF89a');
  assert.throws(() => loadPngFolder(root), (err: Error) => err.message.includes(`corrupt or unreadable PNG ${fake}`));
});

test('rejects images of another size naming both files', () => {
  const root = path.join(tmpDir, 'sizes');
  writePng(path.join(root, 'x', 'a.png'), ramp(0));
  const wide = path.join(root, 'x', 'b.png');
  fs.writeFileSync(wide, encode({ width: 4, height: 2, data: new Uint8Array(8), channels: 1, depth: 8 }));
  assert.throws(
    () => loadPngFolder(root),
    (err: Error) => err.message.includes(`${wide} is 4×2 (width×height) but ${path.join(root, 'x', 'a.png')} is 3×2`),
  );
});

test('rejects an empty class folder naming it', () => {
  const root = path.join(tmpDir, 'empty');
  writePng(path.join(root, 'normal', 'a.png'), ramp(0));
  fs.mkdirSync(path.join(root, 'lesion'));
  fs.writeFileSync(path.join(root, 'lesion', 'README'), 'no images yet');
  assert.throws(() => loadPngFolder(root), (err: Error) => err.message.includes(`class folder ${path.join(root, 'lesion')} contains no .png files`));
});

test('rejects a val class that train lacks', () => {
  const root = path.join(tmpDir, 'extra-class');
  writePng(path.join(root, 'train', 'a', '1.png'), ramp(0));
  writePng(path.join(root, 'val', 'b', '2.png'), ramp(0));
  assert.throws(() => loadPngFolder(root), /val[/\\]b is a class that .*train lacks; the train classes are \["a"\]/);
});

test('rejects split folders mixed with class folders', () => {
  const root = path.join(tmpDir, 'mixed');
  writePng(path.join(root, 'train', 'a', '1.png'), ramp(0));
  writePng(path.join(root, 'b', '2.png'), ramp(0));
  assert.throws(() => loadPngFolder(root), /has a 'train' folder and also \["b"\]/);
});

test('rejects a missing root naming it', () => {
  const root = path.join(tmpDir, 'nowhere');
  assert.throws(() => loadPngFolder(root), (err: Error) => err.message.includes(`folder not found: ${root}`));
});

test.run();
