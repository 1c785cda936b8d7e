import { decode, encode } from 'fast-png';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readPngSize, setPngDpi } from '../../kernel-lib/plots/png-chunks';

function grayPng(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height).map((_, i) => i % 256);
  return encode({ width, height, data, channels: 1, depth: 8 });
}

test('readPngSize reads the IHDR size', () => {
  assert.equal(readPngSize(grayPng(7, 3)), { width: 7, height: 3 });
});

test('setPngDpi records pixels per metre', () => {
  const png = setPngDpi(grayPng(5, 4), 300);
  // checkCrc makes fast-png verify every chunk's CRC-32, the new pHYs included.
  const decoded = decode(png, { checkCrc: true });
  // 300 / 0.0254 = 11811.02 pixels per metre, stored rounded.
  assert.equal(decoded.resolution, { x: 11811, y: 11811, unit: 1 });
});

test('setPngDpi keeps the pixels', () => {
  const original = grayPng(5, 4);
  const decoded = decode(setPngDpi(original, 150), { checkCrc: true });
  assert.equal(Array.from(decoded.data), Array.from(decode(original).data));
  assert.is(decoded.width, 5);
  assert.is(decoded.height, 4);
});

test('setPngDpi replaces an earlier pHYs', () => {
  const twice = setPngDpi(setPngDpi(grayPng(2, 2), 72), 600);
  const text = Buffer.from(twice).toString('latin1');
  assert.is(text.split('pHYs').length - 1, 1, 'expected exactly one pHYs chunk');
  // 600 / 0.0254 = 23622.05 pixels per metre.
  assert.equal(decode(twice, { checkCrc: true }).resolution, { x: 23622, y: 23622, unit: 1 });
});

test('rejects bytes that are not a PNG', () => {
  assert.throws(() => readPngSize(new TextEncoder().encode('%PDF-1.4 and more bytes than a header')), /^readPngSize: the bytes are not a PNG image/);
  assert.throws(() => setPngDpi(grayPng(2, 2), 0), /^setPngDpi: `dpi` must be a positive number, got 0/);
});

test.run();
