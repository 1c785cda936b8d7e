import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { encode } from 'fast-png';
import { syntheticPngText } from '../../kernel-lib/io/png';
import { decodeGrayPng, encodeGray16Png, readGrayPng, toDisplayUint8, writeGray16Png } from '../../kernel-lib/io/png16';

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-png16-'));
test.after(() => fs.rmSync(tmpDir, { recursive: true, force: true }));

const SAMPLES = [0, 258, 4095, 65535];
/** What a reader that keeps only the high byte of each sample returns for SAMPLES. */
const HIGH_BYTES_ONLY = [0, 1, 15, 255];

interface Chunk {
  type: string;
  data: Buffer;
}

/** Splits PNG bytes into chunks (PNG specification, section 5.3), checking each CRC. */
function chunksOf(bytes: Uint8Array): Chunk[] {
  const buffer = Buffer.from(bytes);
  assert.equal(Array.from(buffer.subarray(0, 8)), [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks: Chunk[] = [];
  for (let offset = 8; offset < buffer.length; ) {
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString('latin1', offset + 4, offset + 8);
    const data = buffer.subarray(offset + 8, offset + 8 + length);
    assert.is(buffer.readUInt32BE(offset + 8 + length), zlib.crc32(buffer.subarray(offset + 4, offset + 8 + length)), `CRC of ${type}`);
    chunks.push({ type, data });
    offset += 12 + length;
  }
  return chunks;
}

/** Builds a one-row 16-bit grayscale PNG by hand: filter type 0 (None), big-endian samples. */
function handMadeGray16(samples: number[]): Uint8Array {
  const chunk = (type: string, body: Buffer) => {
    const typeAndBody = Buffer.concat([Buffer.from(type, 'latin1'), body]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(typeAndBody));
    return Buffer.concat([length, typeAndBody, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(samples.length, 0); // width
  header.writeUInt32BE(1, 4); // height
  header.set([16, 0, 0, 0, 0], 8); // bit depth 16, colour type 0 (grey), deflate, adaptive filter, no interlace
  const row = Buffer.alloc(1 + 2 * samples.length);
  samples.forEach((sample, i) => row.writeUInt16BE(sample, 1 + 2 * i));
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', header),
      chunk('IDAT', zlib.deflateSync(row)),
      chunk('IEND', Buffer.alloc(0)),
    ]),
  );
}

test('16-bit samples round-trip exactly', () => {
  const png = decodeGrayPng(encodeGray16Png(Uint16Array.from(SAMPLES), 4, 1));
  assert.equal(Array.from(png.pixels), SAMPLES);
  assert.is.not(Array.from(png.pixels).join(), HIGH_BYTES_ONLY.join(), 'read only the high byte of each sample');
  assert.is(png.depth, 16);
  assert.is(png.width, 4);
  assert.is(png.height, 1);
});

test('encoder writes big-endian 16-bit samples', () => {
  const chunks = chunksOf(encodeGray16Png(Uint16Array.from(SAMPLES), 4, 1));
  const header = chunks.find((chunk) => chunk.type === 'IHDR')!.data;
  assert.is(header[8], 16, 'bit depth');
  assert.is(header[9], 0, 'colour type grey');
  const raw = zlib.inflateSync(Buffer.concat(chunks.filter((chunk) => chunk.type === 'IDAT').map((chunk) => chunk.data)));
  // One row: a filter type byte, then 4 samples of 2 bytes. Only filter 0 (None) is decoded here.
  assert.is(raw.length, 9);
  assert.is(raw[0], 0, 'filter type None');
  assert.equal([1, 3, 5, 7].map((offset) => raw.readUInt16BE(offset)), SAMPLES);
});

test('decoder reads a hand-made 16-bit PNG', () => {
  const png = decodeGrayPng(handMadeGray16(SAMPLES), 'hand-made.png');
  assert.equal(Array.from(png.pixels), SAMPLES);
  assert.is(png.depth, 16);
});

test('8-bit grayscale keeps its 0-255 values', () => {
  const png = decodeGrayPng(encode({ width: 3, height: 1, data: Uint8Array.from([0, 128, 255]), depth: 8, channels: 1 }));
  assert.equal(Array.from(png.pixels), [0, 128, 255]);
  assert.is(png.depth, 8);
});

test('file round trip keeps the synthetic text', () => {
  const file = path.join(tmpDir, 'sub', 'synthetic.png');
  const text = syntheticPngText({ Class: 'effusion', Seed: '3' });
  writeGray16Png(file, Uint16Array.from(SAMPLES), 2, 2, text);
  const png = readGrayPng(file);
  assert.equal(Array.from(png.pixels), SAMPLES);
  assert.is(png.width, 2);
  assert.is(png.text.Synthetic, 'true');
  assert.match(png.text.Comment, /^SYNTHETIC IMAGE/);
  assert.is(png.text.Class, 'effusion');
  const chunkTypes = chunksOf(fs.readFileSync(file)).map((chunk) => chunk.type);
  assert.not.ok(chunkTypes.includes('tIME'), `expected no tIME chunk, got ${chunkTypes.join(', ')}`);
});

test('rejects colour, alpha and low depths', () => {
  const rgb = encode({ width: 1, height: 1, data: Uint8Array.from([1, 2, 3]), depth: 8, channels: 3 });
  assert.throws(() => decodeGrayPng(rgb, 'rgb.png'), /^decodeGrayPng: rgb\.png has 3 channels; expected grayscale without alpha/);
  const greyAlpha = encode({ width: 1, height: 1, data: Uint16Array.from([1, 2]), depth: 16, channels: 2 });
  assert.throws(() => decodeGrayPng(greyAlpha), /has 2 channels/);
  assert.throws(() => decodeGrayPng(Uint8Array.from([1, 2, 3])), /^decodeGrayPng: PNG data: corrupt or unreadable PNG/);
  assert.throws(() => readGrayPng(path.join(tmpDir, 'absent.png')), /^readGrayPng: file not found/);
});

test('rejects wrong pixel arrays', () => {
  assert.throws(() => encodeGray16Png(new Uint8Array(4) as unknown as Uint16Array, 2, 2), /^encodeGray16Png: `pixels` must be a Uint16Array of 0-65535 samples, got Uint8Array/);
  assert.throws(() => encodeGray16Png(new Uint16Array(5), 2, 2), /5 pixels do not fill 2×2/);
  assert.throws(() => writeGray16Png(path.join(tmpDir, 'x.png'), new Uint16Array(0), 0, 1), /^writeGray16Png: `width` must be a positive integer, got 0/);
});

test('display conversion scales over min..max', () => {
  // 255 × (2000 − 1000) / 2000 = 127.5, which Math.round rounds up to 128.
  assert.equal(Array.from(toDisplayUint8([1000, 2000, 3000])), [0, 128, 255]);
  // 255 × 1000 / 2047.5 = 124.54 → 125.
  assert.equal(Array.from(toDisplayUint8(Float32Array.from([-1024, -24, 1023.5]))), [0, 125, 255]);
  // 255 × 25905 / 61440 = 107.52 → 108; clamping to 255 instead of scaling would give [255, 255, 255].
  assert.equal(Array.from(toDisplayUint8(Uint16Array.from([4095, 30000, 65535]))), [0, 108, 255]);
});

test('display conversion with a DICOM window', () => {
  // c = 40, w = 400 spans [c − 0.5 − 199.5, c − 0.5 + 199.5] = [−160, 239]; y = round(255 × (x + 160) / 399),
  // so 0 gives 102.26 → 102 and 40 gives 127.82 → 128.
  const display = toDisplayUint8([-1000, -160, 0, 40, 239, 1000], { window: { center: 40, width: 400 } });
  assert.equal(Array.from(display), [0, 0, 102, 128, 255, 255]);
  // Width 1 is a threshold at c − 0.5.
  assert.equal(Array.from(toDisplayUint8([99, 99.5, 100], { window: { center: 100, width: 1 } })), [0, 0, 255]);
});

test('constant image maps to 0', () => {
  assert.equal(Array.from(toDisplayUint8([7, 7, 7])), [0, 0, 0]);
});

test('display conversion rejects bad input', () => {
  assert.throws(() => toDisplayUint8([1, NaN]), /^toDisplayUint8: value NaN at index 1 is not finite/);
  assert.throws(() => toDisplayUint8([1, 2], { window: { center: 1, width: 0.5 } }), /`window` needs a finite center and a width of at least 1/);
});

test.run();
