import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import { createParams, disposeParams, initialValues } from '../../kernel-lib/nets/params';
import {
  ImageEncoderConfig,
  imageEncoderForward,
  imageEncoderParamCount,
  imageEncoderParamSpecs,
  validateImageEncoderConfig,
} from '../../kernel-lib/text/image-encoder';
import { Random } from '../../kernel-lib/util/random';

const SMALL: ImageEncoderConfig = { widths: [4, 8], groups: 2, outputDim: 6 };

test.before(async () => {
  await selectBackend({ backend: 'cpu' });
  await selectBackend({ backend: 'wasm' });
});

test('defaults fill missing config fields', () => {
  assert.equal(validateImageEncoderConfig({ outputDim: 32 }), { widths: [16, 32, 64], groups: 8, outputDim: 32 });
  assert.throws(() => validateImageEncoderConfig({ widths: [6], outputDim: 4 }), /positive multiple of groups 8, got \[6\]/);
});

test('parameter count matches hand count', () => {
  // conv 3×3×1×4 + 4, norm 2·4, conv 3×3×4×8 + 8, norm 2·8, projection 8×6 + 6.
  assert.is(imageEncoderParamCount(SMALL), 40 + 8 + 296 + 16 + 54);
});

test('output shape for 28×28 and 20×36 images', () => {
  const before = tf.memory().numTensors;
  const params = createParams(imageEncoderParamSpecs(SMALL), new Random(1));
  for (const [height, width] of [
    [28, 28],
    [20, 36],
  ]) {
    const out = tf.tidy(() => imageEncoderForward(SMALL, params, tf.tensor4d(new Random(2).normalArray(3 * height * width), [3, height, width, 1])));
    assert.equal(out.shape, [3, 6]);
    out.dispose();
  }
  disposeParams(params);
  assert.is(tf.memory().numTensors, before, 'no leaked tensors');
});

test('rejects images with several channels', () => {
  const params = createParams(imageEncoderParamSpecs(SMALL), new Random(3));
  const x = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
  assert.throws(() => imageEncoderForward(SMALL, params, x), /expected x \[batch, height, width, 1\], got \[1,8,8,3\]/);
  x.dispose();
  disposeParams(params);
});

test('gradients match between cpu and wasm', async () => {
  const specs = imageEncoderParamSpecs(SMALL);
  const rng = new Random(4);
  const values = new Map(specs.map((spec) => [spec.name, initialValues(spec, rng)]));
  const pixels = new Random(5).normalArray(2 * 12 * 12);
  const weights = new Random(6).normalArray(2 * 6);
  const run = () =>
    tf.tidy(() => {
      const params = new Map(specs.map((spec) => [spec.name, tf.tensor(values.get(spec.name)!, spec.shape)]));
      const x = tf.tensor4d(pixels, [2, 12, 12, 1]);
      const w = tf.tensor2d(weights, [2, 6]);
      const names = specs.map((spec) => spec.name);
      const gradients = tf.grads((...tensors: tf.Tensor[]) => {
        const p = new Map(names.map((name, i) => [name, tensors[i]]));
        return tf.sum(tf.mul(imageEncoderForward(SMALL, p, x), w));
      })(names.map((name) => params.get(name)!));
      return gradients.map((g) => g.dataSync());
    });
  await tf.setBackend('cpu');
  const expected = run();
  await tf.setBackend('wasm');
  const actual = run();
  specs.forEach((spec, s) => {
    assert.ok(actual[s].some((g) => g !== 0), `${spec.name}: gradient is all zero on wasm`);
    // float32 on both sides: |wasm − cpu| <= 1e-4 + 1e-3·|cpu|.
    for (let i = 0; i < expected[s].length; i++) {
      const bound = 1e-4 + 1e-3 * Math.abs(expected[s][i]);
      if (!(Math.abs(actual[s][i] - expected[s][i]) <= bound)) {
        assert.unreachable(`${spec.name} element ${i}: expected ${expected[s][i]}, but got ${actual[s][i]}`);
      }
    }
  });
});

test.run();
