import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import {
  ClassifierConfig,
  classifierForward,
  classifierParamCount,
  classifierParamSpecs,
  defaultClassifierConfig,
} from '../../kernel-lib/classify/cnn';
import { createParams, disposeParams } from '../../kernel-lib/nets/params';
import { Random } from '../../kernel-lib/util/random';

test.before(async () => {
  await selectBackend({ backend: 'wasm' });
});

test('default config has 23,426 parameters for 2 classes', () => {
  // Hand count: conv0 3·3·1·16 + 16 = 160, conv1 3·3·16·32 + 32 = 4,640,
  // conv2 3·3·32·64 + 64 = 18,496, head 64·2 + 2 = 130.
  assert.is(classifierParamCount(defaultClassifierConfig(2)), 23426);
});

test('each extra class adds 65 parameters', () => {
  // One more head column: 64 weights and 1 bias.
  assert.is(classifierParamCount(defaultClassifierConfig(5)) - classifierParamCount(defaultClassifierConfig(2)), 3 * 65);
});

test('parameter names are unique', () => {
  const names = classifierParamSpecs(defaultClassifierConfig(3)).map((spec) => spec.name);
  assert.is(new Set(names).size, names.length);
});

test('forward gives [batch, numClasses] for any image size', () => {
  const config = defaultClassifierConfig(3);
  const params = createParams(classifierParamSpecs(config), new Random(0));
  for (const [height, width] of [[28, 28], [8, 8], [17, 13], [1, 1]]) {
    const result = tf.tidy(() => {
      const x = tf.randomUniform([2, height, width, 1], -1, 1, 'float32', 3) as tf.Tensor4D;
      const logits = classifierForward(config, params, x);
      return { shape: logits.shape, finite: tf.all(tf.isFinite(logits)).dataSync()[0] };
    });
    assert.equal(result.shape, [2, 3], `${height}×${width}`);
    assert.is(result.finite, 1, `${height}×${width}: finite logits`);
  }
  disposeParams(params);
});

test('forward pools and applies the head', () => {
  // widths [1], zero conv weights and conv bias 1: every activation is silu(1) = 1/(1 + e^−1),
  // so the pooled feature is silu(1) and logits = silu(1)·[2, −1] + [0.5, 0].
  const config: ClassifierConfig = { widths: [1], numClasses: 2 };
  const params = new Map<string, tf.Tensor>([
    ['conv0.weight', tf.zeros([3, 3, 1, 1])],
    ['conv0.bias', tf.ones([1])],
    ['head.weight', tf.tensor2d([[2, -1]])],
    ['head.bias', tf.tensor1d([0.5, 0])],
  ]);
  const x = tf.randomUniform([1, 6, 5, 1], -1, 1, 'float32', 4) as tf.Tensor4D;
  const logits = classifierForward(config, params, x);
  const values = Array.from(logits.dataSync());
  const silu1 = 1 / (1 + Math.exp(-1));
  // float32 arithmetic: tolerance 1e-6.
  assert.ok(Math.abs(values[0] - (2 * silu1 + 0.5)) < 1e-6, `expected logit 0 = ${2 * silu1 + 0.5}, got ${values[0]}`);
  assert.ok(Math.abs(values[1] - -silu1) < 1e-6, `expected logit 1 = ${-silu1}, got ${values[1]}`);
  tf.dispose([logits, x]);
  disposeParams(params);
});

test('forward leaves only its output tensor', () => {
  const config = defaultClassifierConfig(2);
  const params = createParams(classifierParamSpecs(config), new Random(1));
  const x = tf.zeros([2, 8, 8, 1]) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  const logits = classifierForward(config, params, x);
  assert.is(tf.memory().numTensors, before + 1);
  tf.dispose([logits, x]);
  disposeParams(params);
});

test('forward rejects a three-channel input', () => {
  const config = defaultClassifierConfig(2);
  const params = createParams(classifierParamSpecs(config), new Random(2));
  const x = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
  assert.throws(() => classifierForward(config, params, x), /classifierForward: expected x of shape \[batch, height, width, 1\], got \[1,8,8,3\]/);
  x.dispose();
  disposeParams(params);
});

test('config rejects one class and empty widths', () => {
  assert.throws(() => classifierParamSpecs({ widths: [16], numClasses: 1 }), /`numClasses` must be an integer >= 2, got 1/);
  assert.throws(() => classifierParamSpecs({ widths: [], numClasses: 2 }), /`widths` must be a non-empty list/);
  assert.throws(() => classifierParamSpecs({ widths: [16, 0], numClasses: 2 }), /positive integer, got \[16,0\]/);
});

test.run();
