import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registerWasmTrainingKernels } from '../../kernel-lib/backend/wasm-kernels/register';
import { Random } from '../../kernel-lib/util/random';

// Every registered wasm kernel is compared with the cpu backend's reference kernel on
// random inputs. Tolerance: |wasm − cpu| <= 1e-4 + 1e-3·|cpu| elementwise.
const RTOL = 1e-3;
const ATOL = 1e-4;

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
  pad: Pad;
}

const CASES: ConvCase[] = [
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'same' },
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'valid' },
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 4], stride: 2, pad: 'same' },
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 4], stride: 2, pad: 'same' },
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 4], stride: 2, pad: 'valid' },
  { x: [2, 7, 8, 3], filter: [3, 3, 3, 4], stride: 2, pad: 'valid' },
  { x: [2, 8, 8, 3], filter: [2, 2, 3, 4], stride: 2, pad: 'valid' },
  { x: [1, 5, 6, 2], filter: [1, 1, 2, 3], stride: 1, pad: 'same' },
  { x: [2, 8, 8, 4], filter: [3, 3, 4, 5], stride: 2, pad: [[0, 0], [1, 1], [1, 1], [0, 0]] },
  { x: [2, 7, 7, 4], filter: [3, 3, 4, 5], stride: 2, pad: [[0, 0], [1, 1], [1, 1], [0, 0]] },
  { x: [2, 6, 6, 2], filter: [3, 3, 2, 3], stride: 1, pad: [[0, 0], [1, 1], [1, 1], [0, 0]] },
  // Stride-2 cases that take the sub-pixel split of the input gradient (inputs of at least
  // 16×16): square, rectangular, a 2×2 filter, and a 4×4 filter with padding only after.
  { x: [2, 16, 16, 8], filter: [3, 3, 8, 8], stride: 2, pad: 'same' },
  { x: [2, 16, 20, 3], filter: [3, 3, 3, 4], stride: 2, pad: 'same' },
  { x: [1, 16, 16, 3], filter: [2, 2, 3, 4], stride: 2, pad: 'valid' },
  { x: [1, 16, 16, 3], filter: [4, 4, 3, 4], stride: 2, pad: [[0, 0], [0, 2], [0, 2], [0, 0]] },
];

function describeCase(c: ConvCase): string {
  return `x ${JSON.stringify(c.x)} filter ${JSON.stringify(c.filter)} stride ${c.stride} pad ${JSON.stringify(c.pad)}`;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const bound = ATOL + RTOL * Math.abs(expected[i]);
    if (!(Math.abs(actual[i] - expected[i]) <= bound)) {
      assert.unreachable(`${what}: element ${i} expected ${expected[i]}, but got ${actual[i]} (allowed error ${bound.toExponential(2)})`);
    }
  }
}

/** Returns the output shape of the forward convolution of a case, which is dy's shape. */
function dyShapeOf(c: ConvCase): number[] {
  return tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.filter) as tf.Tensor4D, c.stride, c.pad).shape);
}

async function onBackend<T>(name: string, fn: () => T): Promise<T> {
  await tf.setBackend(name);
  return fn();
}

test.before(async () => {
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
  await tf.ready();
});

test('Conv2DBackpropFilter matches cpu', async () => {
  const rng = new Random(11);
  for (const c of CASES) {
    const xValues = rng.normalArray(c.x.reduce((a, b) => a * b));
    const dyShape = dyShapeOf(c);
    const dyValues = rng.normalArray(dyShape.reduce((a, b) => a * b));
    const run = () =>
      tf.tidy(() => {
        const attrs = { strides: [c.stride, c.stride], pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: c.filter };
        const out = tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor(xValues, c.x), dy: tf.tensor(dyValues, dyShape) }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
        return { shape: out.shape, values: out.dataSync() };
      });
    const expected = await onBackend('cpu', run);
    const actual = await onBackend('wasm', run);
    assert.equal(actual.shape, expected.shape, `${describeCase(c)}: shape`);
    assertClose(actual.values, expected.values, describeCase(c));
  }
});

test('Conv2DBackpropInput matches cpu', async () => {
  const rng = new Random(12);
  for (const c of CASES) {
    const filterValues = rng.normalArray(c.filter.reduce((a, b) => a * b));
    const dyShape = dyShapeOf(c);
    const dyValues = rng.normalArray(dyShape.reduce((a, b) => a * b));
    const run = () =>
      tf.tidy(() => {
        const attrs = { strides: [c.stride, c.stride], pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape: c.x };
        const out = tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.tensor(dyValues, dyShape), filter: tf.tensor(filterValues, c.filter) }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
        return { shape: out.shape, values: out.dataSync() };
      });
    const expected = await onBackend('cpu', run);
    const actual = await onBackend('wasm', run);
    assert.equal(actual.shape, c.x, `${describeCase(c)}: shape`);
    assert.equal(expected.shape, c.x, `${describeCase(c)}: cpu shape`);
    assertClose(actual.values, expected.values, describeCase(c));
  }
});

test('conv2d gradients through tf.grads match cpu', async () => {
  const rng = new Random(13);
  const c = CASES[2];
  const xValues = rng.normalArray(c.x.reduce((a, b) => a * b));
  const fValues = rng.normalArray(c.filter.reduce((a, b) => a * b));
  const run = () =>
    tf.tidy(() => {
      const grads = tf.grads((x: tf.Tensor, f: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad))));
      const [dx, df] = grads([tf.tensor4d(xValues, c.x), tf.tensor4d(fValues, c.filter)]);
      return [dx.dataSync(), df.dataSync()];
    });
  const expected = await onBackend('cpu', run);
  const actual = await onBackend('wasm', run);
  assertClose(actual[0], expected[0], 'dx');
  assertClose(actual[1], expected[1], 'dfilter');
});

test('UnsortedSegmentSum matches cpu', async () => {
  const rng = new Random(14);
  const xValues = rng.normalArray(7 * 3 * 2);
  const ids = new Int32Array([0, 4, 2, 2, 0, 1, 4]);
  const run = () =>
    tf.tidy(() => {
      const out = tf.unsortedSegmentSum(tf.tensor3d(xValues, [7, 3, 2]), tf.tensor1d(ids, 'int32'), 5);
      return { shape: out.shape, values: out.dataSync() };
    });
  const expected = await onBackend('cpu', run);
  const actual = await onBackend('wasm', run);
  assert.equal(actual.shape, [5, 3, 2]);
  assertClose(actual.values, expected.values, 'unsortedSegmentSum');
  // Segment 3 receives no rows and must be exactly zero.
  for (let i = 18; i < 24; i++) assert.is(actual.values[i], 0, `segment 3 element ${i}`);
});

test('gather gradient matches cpu', async () => {
  const run = () =>
    tf.tidy(() => {
      const table = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
      const weights = tf.tensor2d([[1, 1], [2, 2], [3, 3], [4, 4]]);
      const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d([0, 2, 2, 1], 'int32')), weights)));
      return Array.from(grad(table).dataSync());
    });
  const expected = await onBackend('cpu', run);
  const actual = await onBackend('wasm', run);
  // Row 0 gets weight 1, row 1 weight 4, row 2 weights 2 + 3.
  assert.equal(expected, [1, 1, 4, 4, 5, 5]);
  assert.equal(actual, expected);
});

test('BatchMatMul with transposed operands matches cpu', async () => {
  const rng = new Random(21);
  // [a shape, b shape, transposeA, transposeB]: ranks 2 to 4, with batch broadcasting.
  const cases: [number[], number[], boolean, boolean][] = [
    [[3, 5], [5, 4], false, false],
    [[5, 3], [5, 4], true, false],
    [[3, 5], [4, 5], false, true],
    [[5, 3], [4, 5], true, true],
    [[2, 6, 3], [2, 6, 4], true, false],
    [[2, 3, 6], [1, 4, 6], false, true],
    [[2, 2, 4, 3], [2, 2, 5, 4], true, true],
  ];
  for (const [aShape, bShape, transposeA, transposeB] of cases) {
    const aValues = rng.normalArray(aShape.reduce((p, q) => p * q, 1));
    const bValues = rng.normalArray(bShape.reduce((p, q) => p * q, 1));
    const run = () =>
      tf.tidy(() => {
        const out = tf.matMul(tf.tensor(aValues, aShape), tf.tensor(bValues, bShape), transposeA, transposeB);
        return { shape: out.shape, values: out.dataSync() };
      });
    const expected = await onBackend('cpu', run);
    const actual = await onBackend('wasm', run);
    const what = `matMul ${JSON.stringify(aShape)}${transposeA ? 'ᵀ' : ''} × ${JSON.stringify(bShape)}${transposeB ? 'ᵀ' : ''}`;
    assert.equal(actual.shape, expected.shape, what);
    assertClose(actual.values, expected.values, what);
  }
});

test('dense layer gradients through BatchMatMul match cpu and leave no tensors', async () => {
  const rng = new Random(22);
  const xValues = rng.normalArray(6 * 4);
  const wValues = rng.normalArray(4 * 3);
  const run = () =>
    tf.tidy(() => {
      const [dx, dw] = tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.square(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D))))([
        tf.tensor2d(xValues, [6, 4]),
        tf.tensor2d(wValues, [4, 3]),
      ]);
      return [...Array.from(dx.dataSync()), ...Array.from(dw.dataSync())];
    });
  const expected = await onBackend('cpu', run);
  await tf.setBackend('wasm');
  const before = tf.memory().numTensors;
  const actual = run();
  assert.is(tf.memory().numTensors, before);
  assertClose(actual, expected, 'dense gradients');
});

test('kernels leave no tensors behind', async () => {
  await tf.setBackend('wasm');
  const x = tf.randomNormal([2, 8, 8, 3]) as tf.Tensor4D;
  const f = tf.randomNormal([3, 3, 3, 4]) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  const bytesBefore = tf.memory().numBytes;
  for (let i = 0; i < 3; i++) {
    const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, "same")))([x, f]);
    tf.dispose([dx, df]);
  }
  assert.is(tf.memory().numTensors, before);
  assert.is(tf.memory().numBytes, bytesBefore);
  tf.dispose([x, f]);
});

test.run();
