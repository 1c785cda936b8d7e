import { decode } from 'fast-png';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { grayPngDataUrl } from '../../kernel-lib/experiment/png-data-url';

const PREFIX = 'data:image/png;base64,';

function decodeDataUrl(url: string) {
  assert.ok(url.startsWith(PREFIX), `expected a PNG data URL, got '${url.slice(0, 30)}'`);
  return decode(Buffer.from(url.slice(PREFIX.length), 'base64'));
}

/** A 3×2 image whose values are all distinct, `[height 2, width 3]`. */
const PIXELS = new Uint8Array([0, 50, 100, 150, 200, 255]);

test('data URL decodes to the same pixels', () => {
  const png = decodeDataUrl(grayPngDataUrl(PIXELS, 3, 2));
  assert.is(png.width, 3);
  assert.is(png.height, 2);
  assert.is(png.channels, 1);
  assert.is(png.depth, 8);
  assert.equal(Array.from(png.data), Array.from(PIXELS));
});

test('scale repeats each pixel in a block', () => {
  const png = decodeDataUrl(grayPngDataUrl(PIXELS, 3, 2, 2));
  assert.is(png.width, 6);
  assert.is(png.height, 4);
  // Each source row appears twice, each source pixel twice within it.
  assert.equal(Array.from(png.data), [
    0, 0, 50, 50, 100, 100,
    0, 0, 50, 50, 100, 100,
    150, 150, 200, 200, 255, 255,
    150, 150, 200, 200, 255, 255,
  ]);
});

test('28x28 image round-trips', () => {
  const pixels = Uint8Array.from({ length: 28 * 28 }, (_, i) => (i * 37) % 256);
  const png = decodeDataUrl(grayPngDataUrl(pixels, 28, 28));
  assert.equal(Array.from(png.data), Array.from(pixels));
});

test('rejects a pixel count that does not match', () => {
  assert.throws(() => grayPngDataUrl(PIXELS, 2, 2), /^grayPngDataUrl: `pixels` must have width \* height = 4 values, got 6/);
});

test('rejects a non-integer scale', () => {
  assert.throws(() => grayPngDataUrl(PIXELS, 3, 2, 1.5), /^grayPngDataUrl: `scale` must be an integer in \[1, 16\], got 1.5/);
});

test('rejects a zero width', () => {
  assert.throws(() => grayPngDataUrl(new Uint8Array(0), 0, 2), /^grayPngDataUrl: `width` must be a positive integer, got 0/);
});

test('rejects a Float32Array', () => {
  const floats = new Float32Array(6) as unknown as Uint8Array;
  assert.throws(() => grayPngDataUrl(floats, 3, 2), /^grayPngDataUrl: `pixels` must be a Uint8Array, got Float32Array/);
});

test.run();
