import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dropConditionForTraining, withClassifierFreeGuidance } from '../../kernel-lib/diffusion/guidance';
import { sampleDdim } from '../../kernel-lib/diffusion/samplers';
import { makeNoiseSchedule } from '../../kernel-lib/diffusion/schedules';
import type { Denoiser } from '../../kernel-lib/diffusion/types';
import { Random } from '../../kernel-lib/util/random';

test.before(async () => {
  await tf.setBackend('cpu');
});

const NULL_CLASS = 9;

interface Call {
  batch: number;
  timesteps: number[];
  condition: number[];
}

/**
 * Class-conditional denoiser `[batch, 2]` that returns 0.2 for rows with the null class and 0.8
 * otherwise, and records every call.
 */
function makeRecordingDenoiser(calls: Call[]): Denoiser {
  return (x, timesteps, condition) => {
    assert.ok(condition !== null, 'denoiser called without a condition');
    const labels = Array.from(condition.dataSync());
    calls.push({ batch: x.shape[0], timesteps: Array.from(timesteps.dataSync()), condition: labels });
    return tf.tidy(() => {
      // [batch, 1] per-row output, broadcast over the sample.
      const perRow = tf.tensor(labels.map((label) => (label === NULL_CLASS ? 0.2 : 0.8)), [labels.length, 1]);
      return tf.add(tf.zerosLike(x), perRow);
    });
  };
}

function assertAllClose(values: ArrayLike<number>, expected: number, tolerance: number, label: string): void {
  for (let i = 0; i < values.length; i++) {
    assert.ok(Math.abs(values[i] - expected) <= tolerance, `${label}[${i}]: expected ${expected} ± ${tolerance}, but got ${values[i]}`);
  }
}

test('guided output at scales 0, 1, 3 and 7.5', () => {
  // uncond + s (cond - uncond) with cond = 0.8 and uncond = 0.2; float32 rounding of 0.2 and 0.8 is below 1e-6.
  const expected: [number, number][] = [
    [0, 0.2],
    [1, 0.8],
    [3, 2.0],
    [7.5, 4.7],
  ];
  const nullCondition = tf.scalar(NULL_CLASS, 'int32');
  const x = tf.zeros([3, 2]);
  const timesteps = tf.tensor1d([5, 5, 5], 'int32');
  const condition = tf.tensor1d([0, 1, 2], 'int32');
  for (const [guidanceScale, value] of expected) {
    const calls: Call[] = [];
    const guided = withClassifierFreeGuidance(makeRecordingDenoiser(calls), { guidanceScale, nullCondition });
    const before = tf.memory().numTensors;
    const output = guided(x, timesteps, condition);
    assert.is(tf.memory().numTensors, before + 1, `scale ${guidanceScale}: tensors left behind`);
    assert.equal(output.shape, [3, 2]);
    assertAllClose(output.dataSync(), value, 1e-6, `scale ${guidanceScale}`);
    assert.is(calls.length, 1, `scale ${guidanceScale}: calls`);
    output.dispose();
  }
  tf.dispose([nullCondition, x, timesteps, condition]);
});

test('scale 1 returns exactly the conditional output', () => {
  const calls: Call[] = [];
  const nullCondition = tf.scalar(NULL_CLASS, 'int32');
  const guided = withClassifierFreeGuidance(makeRecordingDenoiser(calls), { guidanceScale: 1, nullCondition });
  const x = tf.zeros([2, 2]);
  const timesteps = tf.tensor1d([7, 7], 'int32');
  const condition = tf.tensor1d([3, 4], 'int32');
  const output = guided(x, timesteps, condition);
  assert.equal(Array.from(output.dataSync()), Array.from(new Float32Array([0.8, 0.8, 0.8, 0.8])));
  // The unconditional half is skipped at scale 1: one call on the original batch.
  assert.equal(calls, [{ batch: 2, timesteps: [7, 7], condition: [3, 4] }]);
  tf.dispose([nullCondition, x, timesteps, condition, output]);
});

test('one doubled batch per sampler step', () => {
  const calls: Call[] = [];
  const nullCondition = tf.scalar(NULL_CLASS, 'int32');
  const guided = withClassifierFreeGuidance(makeRecordingDenoiser(calls), { guidanceScale: 3, nullCondition });
  const condition = tf.tensor1d([0, 1, 2], 'int32');
  const result = sampleDdim({
    schedule: makeNoiseSchedule(),
    denoiser: guided,
    shape: [3, 2],
    condition,
    numInferenceSteps: 4,
    rng: new Random(1),
  });
  assert.is(calls.length, 4);
  for (const call of calls) {
    assert.is(call.batch, 6);
    // Conditional rows first, then the null class tiled to the batch; never a dropped label.
    assert.equal(call.condition, [0, 1, 2, NULL_CLASS, NULL_CLASS, NULL_CLASS]);
  }
  assert.equal(
    calls.map((call) => call.timesteps),
    [750, 500, 250, 0].map((t) => [t, t, t, t, t, t]),
  );
  tf.dispose([nullCondition, condition, result]);
});

test('samplers pass the condition through unchanged', () => {
  const seen: tf.Tensor[] = [];
  const values: number[][] = [];
  const spy: Denoiser = (x, _timesteps, condition) => {
    assert.ok(condition !== null);
    seen.push(condition);
    values.push(Array.from(condition.dataSync()));
    return tf.zerosLike(x);
  };
  const condition = tf.tensor1d([NULL_CLASS - 1, 0], 'int32');
  const result = sampleDdim({
    schedule: makeNoiseSchedule(),
    denoiser: spy,
    shape: [2, 3],
    condition,
    numInferenceSteps: 5,
    rng: new Random(2),
  });
  assert.is(seen.length, 5);
  for (let i = 0; i < 5; i++) {
    assert.ok(seen[i] === condition, `step ${i}: the denoiser got another tensor than the condition`);
    assert.equal(values[i], [NULL_CLASS - 1, 0]);
  }
  tf.dispose([condition, result]);
});

test('float embeddings use the null row for every sample', () => {
  const calls: { condition: number[]; shape: number[] }[] = [];
  const denoiser: Denoiser = (x, _timesteps, condition) => {
    assert.ok(condition !== null);
    calls.push({ condition: Array.from(condition.dataSync()), shape: condition.shape });
    // Output: the first embedding feature of each row, broadcast over the sample.
    return tf.tidy(() => tf.add(tf.zerosLike(x), tf.slice(condition, [0, 0], [-1, 1])));
  };
  const nullCondition = tf.tensor([[-1, -2]]);
  const guided = withClassifierFreeGuidance(denoiser, { guidanceScale: 2, nullCondition });
  const x = tf.zeros([2, 3]);
  const timesteps = tf.tensor1d([1, 1], 'int32');
  const condition = tf.tensor([
    [1, 10],
    [3, 30],
  ]);
  const output = guided(x, timesteps, condition);
  assert.equal(calls, [{ condition: [1, 10, 3, 30, -1, -2, -1, -2], shape: [4, 2] }]);
  // uncond + 2 (cond - uncond) with uncond = -1: row 0 gives 3, row 1 gives 7.
  assert.equal(Array.from(output.dataSync()), [3, 3, 3, 7, 7, 7]);
  tf.dispose([nullCondition, x, timesteps, condition, output]);
});

test('guidance interval skips null rows outside it', () => {
  const calls: Call[] = [];
  const nullCondition = tf.scalar(NULL_CLASS, 'int32');
  const guided = withClassifierFreeGuidance(makeRecordingDenoiser(calls), { guidanceScale: 3, nullCondition, guidanceInterval: [250, 500] });
  const condition = tf.tensor1d([0, 1], 'int32');
  const before = tf.memory().numTensors;
  const result = sampleDdim({
    schedule: makeNoiseSchedule(),
    denoiser: guided,
    shape: [2, 2],
    condition,
    numInferenceSteps: 4,
    rng: new Random(1),
  });
  assert.is(tf.memory().numTensors, before + 1, 'tensors left behind');
  // Timesteps 750, 500, 250, 0: only 500 and 250 lie in [250, 500] and get the doubled batch.
  assert.equal(
    calls.map((call) => [call.timesteps[0], call.batch]),
    [
      [750, 2],
      [500, 4],
      [250, 4],
      [0, 2],
    ],
  );
  assert.equal(calls[0].condition, [0, 1]);
  assert.equal(calls[1].condition, [0, 1, NULL_CLASS, NULL_CLASS]);
  tf.dispose([nullCondition, condition, result]);
});

test('guidance interval output inside and outside', () => {
  const nullCondition = tf.scalar(NULL_CLASS, 'int32');
  const guided = withClassifierFreeGuidance(makeRecordingDenoiser([]), { guidanceScale: 3, nullCondition, guidanceInterval: [10, 20] });
  const x = tf.zeros([2, 2]);
  const condition = tf.tensor1d([0, 1], 'int32');
  // Inside: uncond + 3 (cond - uncond) = 0.2 + 3 * 0.6 = 2.0. Outside: cond = 0.8.
  for (const [t, expected] of [
    [9, 0.8],
    [10, 2.0],
    [20, 2.0],
    [21, 0.8],
  ]) {
    const timesteps = tf.tensor1d([t, t], 'int32');
    const output = guided(x, timesteps, condition);
    assertAllClose(output.dataSync(), expected, 1e-6, `timestep ${t}`);
    tf.dispose([timesteps, output]);
  }
  tf.dispose([nullCondition, x, condition]);
});

test('guidance interval rejects bad input', () => {
  const nullCondition = tf.scalar(NULL_CLASS, 'int32');
  const denoiser = makeRecordingDenoiser([]);
  for (const guidanceInterval of [[20, 10], [-1, 5], [0.5, 5], [3]] as unknown as [number, number][]) {
    assert.throws(
      () => withClassifierFreeGuidance(denoiser, { guidanceScale: 2, nullCondition, guidanceInterval }),
      /^withClassifierFreeGuidance: `guidanceInterval` must be \[first, last\] training timesteps/,
      `interval ${JSON.stringify(guidanceInterval)}`,
    );
  }
  const guided = withClassifierFreeGuidance(denoiser, { guidanceScale: 2, nullCondition, guidanceInterval: [0, 5] });
  const x = tf.zeros([2, 2]);
  const timesteps = tf.tensor1d([3, 4], 'int32');
  const condition = tf.tensor1d([0, 1], 'int32');
  assert.throws(() => guided(x, timesteps, condition), /every row must share one timestep, got 3 and 4/);
  tf.dispose([nullCondition, x, timesteps, condition]);
});

test('rejects negative and non-finite scales', () => {
  const nullCondition = tf.scalar(NULL_CLASS, 'int32');
  const denoiser = makeRecordingDenoiser([]);
  assert.throws(
    () => withClassifierFreeGuidance(denoiser, { guidanceScale: -1, nullCondition }),
    /^withClassifierFreeGuidance: `guidanceScale` must be a finite number >= 0, got -1$/,
  );
  assert.throws(() => withClassifierFreeGuidance(denoiser, { guidanceScale: Infinity, nullCondition }), /got Infinity/);
  assert.throws(() => withClassifierFreeGuidance(denoiser, { guidanceScale: NaN, nullCondition }), /got NaN/);
  nullCondition.dispose();
});

test('rejects a null condition of the wrong shape or dtype', () => {
  const twoRows = tf.tensor([[0], [0]]);
  assert.throws(
    () => withClassifierFreeGuidance(makeRecordingDenoiser([]), { guidanceScale: 2, nullCondition: twoRows }),
    /shape \[1, \.\.\.\] or \[\], got \[2,1\]/,
  );
  const floatNull = tf.scalar(NULL_CLASS);
  const guided = withClassifierFreeGuidance(makeRecordingDenoiser([]), { guidanceScale: 2, nullCondition: floatNull });
  const x = tf.zeros([1, 2]);
  const timesteps = tf.tensor1d([0], 'int32');
  const condition = tf.tensor1d([1], 'int32');
  assert.throws(() => guided(x, timesteps, condition), /float32.*does not match one row of the condition.*int32/);
  assert.throws(() => guided(x, timesteps, null), /needs a condition, got null/);
  tf.dispose([twoRows, floatNull, x, timesteps, condition]);
});

test('dropConditionForTraining drops at the given rate', () => {
  const labels = new Int32Array(20000).map((_, i) => i % 7);
  const dropped = dropConditionForTraining(labels, NULL_CLASS, 0.1, new Random(3));
  let nulls = 0;
  for (let i = 0; i < labels.length; i++) {
    if (dropped[i] === NULL_CLASS) nulls++;
    else assert.is(dropped[i], labels[i]);
  }
  // Binomial(20000, 0.1): mean 2000, standard deviation 42; 5 standard deviations is 212.
  assert.ok(Math.abs(nulls - 2000) < 212, `dropped ${nulls} of 20000`);
  assert.is(labels[0], 0, 'the input must not change');
});

test('dropConditionForTraining is seeded and keeps extremes', () => {
  const labels = new Int32Array([0, 1, 2, 3, 4, 5, 6, 7]);
  const first = dropConditionForTraining(labels, NULL_CLASS, 0.5, new Random(4));
  const second = dropConditionForTraining(labels, NULL_CLASS, 0.5, new Random(4));
  assert.equal(Array.from(first), Array.from(second));
  assert.equal(Array.from(dropConditionForTraining(labels, NULL_CLASS, 0, new Random(5))), Array.from(labels));
  assert.equal(Array.from(dropConditionForTraining(labels, NULL_CLASS, 1, new Random(5))), new Array(8).fill(NULL_CLASS));
  assert.throws(() => dropConditionForTraining(labels, NULL_CLASS, 1.5, new Random(5)), /`probability` must be in \[0, 1\], got 1\.5/);
  assert.throws(() => dropConditionForTraining(labels, 0.5, 0.1, new Random(5)), /`nullClass` must be an integer, got 0\.5/);
});

test.run();
