import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Adam } from '../../kernel-lib/train/adam';
import { ExponentialMovingAverage } from '../../kernel-lib/train/ema';

test.before(async () => {
  await tf.setBackend('cpu');
});

test('Adam first two steps match the formula', () => {
  // Hand-computed with lr 0.1, beta1 0.9, beta2 0.999 and eps 1e-8. The first bias-corrected
  // step moves each weight by lr · sign(g), and the second by lr · m̂ / (√v̂ + ε).
  const w = tf.variable(tf.tensor1d([1, -2]));
  const params = new Map([['w', w]]);
  const adam = new Adam({ learningRate: 0.1 });
  adam.apply(params, new Map([['w', tf.tensor1d([0.5, -4])]]));
  const afterOne = Array.from(w.dataSync());
  assert.ok(Math.abs(afterOne[0] - 0.9) < 1e-6, `expected 0.9, got ${afterOne[0]}`);
  assert.ok(Math.abs(afterOne[1] - -1.9) < 1e-6, `expected -1.9, got ${afterOne[1]}`);

  adam.apply(params, new Map([['w', tf.tensor1d([1, 0])]]));
  const g1 = [0.5, -4];
  const g2 = [1, 0];
  for (let i = 0; i < 2; i++) {
    const m = (0.9 * 0.1 * g1[i] + 0.1 * g2[i]) / (1 - 0.9 ** 2);
    const v = (0.999 * 0.001 * g1[i] ** 2 + 0.001 * g2[i] ** 2) / (1 - 0.999 ** 2);
    const expected = afterOne[i] - (0.1 * m) / (Math.sqrt(v) + 1e-8);
    const actual = w.dataSync()[i];
    assert.ok(Math.abs(actual - expected) < 1e-5, `weight ${i}: expected ${expected}, got ${actual}`);
  }
  assert.is(adam.step, 2);
  adam.dispose();
  w.dispose();
});

test('Adam clips the global gradient norm', () => {
  const w = tf.variable(tf.tensor1d([0, 0]));
  const adam = new Adam({ learningRate: 1, gradClipNorm: 1 });
  const norm = adam.apply(new Map([['w', w]]), new Map([['w', tf.tensor1d([3, 4])]]));
  assert.ok(Math.abs(norm - 5) < 1e-6, `expected norm 5, got ${norm}`);
  // Clipping scales g by 1/5; the first Adam step is still lr · sign(g).
  assert.ok(Math.abs(w.dataSync()[0] + 1) < 1e-5);
  adam.dispose();
  w.dispose();
});

test('Adam skips the norm without clipping', () => {
  const w = tf.variable(tf.tensor1d([0, 0]));
  const adam = new Adam({ learningRate: 1 });
  const norm = adam.apply(new Map([['w', w]]), new Map([['w', tf.tensor1d([3, 4])]]));
  assert.ok(Number.isNaN(norm), `expected NaN without clipping, got ${norm}`);
  adam.dispose();
  w.dispose();
});

test('Adam rejects a non-positive learning rate', () => {
  assert.throws(() => new Adam({ learningRate: 0 }), /learningRate must be a positive number, got 0/);
});

test('EMA follows decay formula', () => {
  const w = tf.tensor1d([1]);
  const ema = new ExponentialMovingAverage(0.9, new Map([['w', w]]));
  const updated = tf.tensor1d([2]);
  ema.update(new Map([['w', updated]]));
  // 0.9 · 1 + 0.1 · 2
  assert.ok(Math.abs((ema.shadow.get('w') as tf.Tensor).dataSync()[0] - 1.1) < 1e-6);
  ema.dispose();
  tf.dispose([w, updated]);
});

test.run();
