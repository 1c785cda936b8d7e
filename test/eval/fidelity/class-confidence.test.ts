import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { classConfidence } from '../../../kernel-lib/eval/fidelity/class-confidence';

test('certain, balanced images give score 2', () => {
  // p(y) = (0.5, 0.5) and each KL is log 2, so exp(mean KL) = 2.
  const result = classConfidence(Float64Array.from([1, 0, 0, 1]), 2, 0);
  assert.is(result.meanProbability, 0.5);
  assert.is(result.minProbability, 0);
  assert.ok(Math.abs(result.inceptionScore - 2) < 1e-15, `expected 2, got ${result.inceptionScore}`);
});

test('identical rows give score 1', () => {
  const result = classConfidence(Float64Array.from([0.9, 0.1, 0.9, 0.1, 0.9, 0.1]), 2, 0);
  assert.ok(Math.abs(result.meanProbability - 0.9) < 1e-15, `expected 0.9, got ${result.meanProbability}`);
  assert.ok(Math.abs(result.inceptionScore - 1) < 1e-15, `expected 1, got ${result.inceptionScore}`);
});

test('three classes match numpy', () => {
  // numpy 2.4.6: p = [[.7, .2, .1], [.1, .8, .1]]; exp(mean((p * log(p / p.mean(0))).sum(1))).
  const result = classConfidence(Float64Array.from([0.7, 0.2, 0.1, 0.1, 0.8, 0.1]), 3, Int32Array.from([0, 1]));
  assert.ok(Math.abs(result.meanProbability - 0.75) < 1e-15, `expected 0.75, got ${result.meanProbability}`);
  assert.ok(Math.abs(result.inceptionScore - 1.249724573995842) < 1e-12, `expected 1.2497, got ${result.inceptionScore}`);
  assert.equal(Array.from(result.probabilities), [0.7, 0.8]);
});

test('rejects rows that do not sum to 1', () => {
  assert.throws(() => classConfidence(Float64Array.from([0.5, 0.4]), 2, 0), /classConfidence: the probabilities of image 0 sum to 0.9, not 1; pass softmax outputs/);
});

test('rejects an unknown intended class', () => {
  assert.throws(() => classConfidence(Float64Array.from([0.5, 0.5]), 2, 2), /intended class 2 of image 0 is outside \[0, 2\)/);
});

test.run();
