import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { referenceUNetConfig, unetForward, unetParamCount, unetParamSpecs, UNetConfig } from '../../kernel-lib/nets/unet';
import { createParams, disposeParams } from '../../kernel-lib/nets/params';
import { selectBackend } from '../../kernel-lib/backend/select';
import { Random } from '../../kernel-lib/util/random';

const TINY: UNetConfig = { widths: [8, 16], numResBlocks: 1, embeddingDim: 16, numClasses: 2, normGroups: 4, midAttention: true, inChannels: 1, outChannels: 1 };

test.before(async () => {
  await selectBackend({ backend: 'wasm' });
});

test('reference configuration has 880,481 parameters', () => {
  // Count printed by PyTorch for the benchmark peer's UNet(classes=4).
  assert.is(unetParamCount(referenceUNetConfig(4)), 880481);
});

test('parameter names are unique', () => {
  const names = unetParamSpecs(referenceUNetConfig(4)).map((s) => s.name);
  assert.is(new Set(names).size, names.length);
});

test('class table has one extra null row', () => {
  const table = unetParamSpecs(referenceUNetConfig(4)).find((s) => s.name === 'label.table');
  assert.equal(table?.shape, [5, 128]);
});

test('forward keeps the shape of 32x32 and 28x28 inputs', () => {
  const params = createParams(unetParamSpecs(TINY), new Random(0));
  for (const size of [32, 28, 17]) {
    const out = tf.tidy(() => {
      const x = tf.randomNormal([3, size, size, 1]) as tf.Tensor4D;
      const y = unetForward(TINY, params, x, tf.tensor1d([0, 500, 999], 'int32'), tf.tensor1d([0, 1, 2], 'int32'));
      return { shape: y.shape, finite: tf.all(tf.isFinite(y)).dataSync()[0] };
    });
    assert.equal(out.shape, [3, size, size, 1], `size ${size}`);
    assert.is(out.finite, 1, `size ${size}: finite output`);
  }
  disposeParams(params);
});

test('output depends on the class label', () => {
  const params = createParams(unetParamSpecs(TINY), new Random(1));
  const diff = tf.tidy(() => {
    const x = tf.randomNormal([1, 8, 8, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const t = tf.tensor1d([10], 'int32');
    const a = unetForward(TINY, params, x, t, tf.tensor1d([0], 'int32'));
    const b = unetForward(TINY, params, x, t, tf.tensor1d([1], 'int32'));
    return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
  });
  assert.ok(diff > 1e-4, `expected different outputs for labels 0 and 1, max difference ${diff}`);
  disposeParams(params);
});

test('forward and backward leave no tensors', () => {
  const params = createParams(unetParamSpecs(TINY), new Random(2));
  const x = tf.randomNormal([2, 8, 8, 1]) as tf.Tensor4D;
  const t = tf.tensor1d([1, 2], 'int32');
  const y = tf.tensor1d([0, 2], 'int32');
  const before = tf.memory().numTensors;
  tf.tidy(() => unetForward(TINY, params, x, t, y)).dispose();
  assert.is(tf.memory().numTensors, before, 'inference');
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(unetForward(TINY, params, x, t, y))) as tf.Scalar, Array.from(params.values()));
  tf.dispose([value, ...Object.values(grads)]);
  assert.is(tf.memory().numTensors, before, 'training');
  tf.dispose([x, t, y]);
  disposeParams(params);
});

test('rejects a width not divisible by the groups', () => {
  assert.throws(() => unetParamSpecs({ ...TINY, widths: [8, 10] }), /every width must be a positive multiple of normGroups \(4\), got 10/);
});

test('rejects images of the wrong shape', () => {
  const params = createParams(unetParamSpecs(TINY), new Random(0));
  const t = tf.tensor1d([0], 'int32');
  const y = tf.tensor1d([0], 'int32');
  const rgb = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
  assert.throws(() => unetForward(TINY, params, rgb, t, y), /expected images \[batch, height, width, 1\], got \[1,8,8,3\]/);
  const two = tf.zeros([2, 8, 8, 1]) as tf.Tensor4D;
  assert.throws(() => unetForward(TINY, params, two, t, y), /must each have one entry per image \(2\)/);
  tf.dispose([t, y, rgb, two]);
  disposeParams(params);
});

test('conditional network requires labels', () => {
  const params = createParams(unetParamSpecs(TINY), new Random(0));
  assert.throws(
    () => tf.tidy(() => unetForward(TINY, params, tf.zeros([1, 8, 8, 1]) as tf.Tensor4D, tf.tensor1d([0], 'int32'), null)),
    /class-conditional; pass labels/,
  );
  disposeParams(params);
});

test.run();
