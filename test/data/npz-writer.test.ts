import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeNpy, encodeNpz } from '../../kernel-lib/data/npz-writer';
import { parseNpy } from '../../kernel-lib/data/npy';
import { parseNpz } from '../../kernel-lib/data/npz';

test('npy round trip keeps dtype, shape and values', () => {
  const cases = [
    { data: Uint8Array.from([0, 7, 255, 3, 4, 5]), shape: [2, 3], dtype: 'uint8' },
    { data: Int32Array.from([-5, 6]), shape: [2], dtype: 'int32' },
    { data: Float32Array.from([1.5, -2, 3.25, 0]), shape: [2, 1, 2], dtype: 'float32' },
  ];
  for (const c of cases) {
    const back = parseNpy(encodeNpy(c));
    assert.equal(back.shape, c.shape, `${c.dtype} shape`);
    assert.equal(Array.from(back.data as ArrayLike<number>), Array.from(c.data), `${c.dtype} values`);
    assert.is(back.dtype, c.dtype);
  }
});

test('npy header ends on a 64-byte boundary', () => {
  const bytes = encodeNpy({ data: new Uint8Array(3), shape: [3] });
  const headerLength = bytes[8] | (bytes[9] << 8);
  assert.is((10 + headerLength) % 64, 0);
  assert.is(bytes[10 + headerLength - 1], 0x0a, 'header ends with a newline');
});

test('npz round trip through the reader', () => {
  const arrays = parseNpz(
    encodeNpz({ images: { data: Uint8Array.from([1, 2, 3, 4]), shape: [1, 2, 2] }, labels: { data: Int32Array.from([1]), shape: [1] } }),
    'memory.npz',
  );
  assert.equal([...arrays.keys()].sort(), ['images', 'labels']);
  assert.equal(Array.from(arrays.get('images')?.data as Uint8Array), [1, 2, 3, 4]);
  assert.equal(arrays.get('labels')?.shape, [1]);
});

test('shape that does not fit the data is rejected', () => {
  assert.throws(() => encodeNpy({ data: new Uint8Array(5), shape: [2, 3] }), /shape \[2,3\] needs 6 values, got 5/);
});

test.run();
