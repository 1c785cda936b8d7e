import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { withClassifierFreeGuidance } from '../../kernel-lib/diffusion/guidance';
import { sample, sampleDdim, sampleDdpm, sampleDpmSolver, SAMPLERS } from '../../kernel-lib/diffusion/samplers';
import type { SamplerOptions } from '../../kernel-lib/diffusion/samplers';
import { makeNoiseSchedule, NoiseSchedule } from '../../kernel-lib/diffusion/schedules';
import { TIMESTEP_SPACINGS } from '../../kernel-lib/diffusion/timesteps';
import type { Denoiser, SamplerProgress } from '../../kernel-lib/diffusion/types';
import { Random } from '../../kernel-lib/util/random';

test.before(async () => {
  await tf.setBackend('cpu');
});

const schedule = makeNoiseSchedule();
const zeroSnrSchedule = makeNoiseSchedule({ zeroTerminalSnr: true });

/** Per-row float32 coefficients `[batch, 1, …, 1]` for the timesteps the denoiser received. */
function perRow(coefficients: Float64Array, timesteps: tf.Tensor1D, rank: number): tf.Tensor {
  const values = Float32Array.from(timesteps.dataSync(), (t) => coefficients[t]);
  return tf.tensor(values, [values.length, ...new Array<number>(rank - 1).fill(1)]);
}

/**
 * Ideal denoiser for data that is always the constant `value`: it returns the exact noise
 * eps = (x_t - sqrt(alphaBar) value) / sqrt(1 - alphaBar), or the exact velocity
 * v = sqrt(alphaBar) eps - sqrt(1 - alphaBar) value.
 */
function constantDataDenoiser(noiseSchedule: NoiseSchedule, value: number, predictionType = 'epsilon'): Denoiser {
  return (x, timesteps) =>
    tf.tidy(() => {
      const alpha = perRow(noiseSchedule.sqrtAlphasCumprod, timesteps, x.rank);
      const sigma = perRow(noiseSchedule.sqrtOneMinusAlphasCumprod, timesteps, x.rank);
      const eps = tf.div(tf.sub(x, tf.mul(alpha, value)), sigma);
      return predictionType === 'epsilon' ? eps : tf.sub(tf.mul(alpha, eps), tf.mul(sigma, value));
    });
}

/**
 * Exact epsilon denoiser for data x_0 ~ N(0, std^2): E[x_0 | x_t] = alpha std^2 x_t / (alpha^2 std^2 + sigma^2).
 * Its probability-flow ODE keeps x_t / sqrt(alpha^2 std^2 + sigma^2) constant, so the exact end
 * point from x_T at timestep T is std x_T / sqrt(alphaBar_T std^2 + 1 - alphaBar_T).
 */
function gaussianDataDenoiser(noiseSchedule: NoiseSchedule, std: number): Denoiser {
  return (x, timesteps) =>
    tf.tidy(() => {
      const alpha = perRow(noiseSchedule.sqrtAlphasCumprod, timesteps, x.rank);
      const sigma = perRow(noiseSchedule.sqrtOneMinusAlphasCumprod, timesteps, x.rank);
      const variance = tf.add(tf.mul(tf.square(alpha), std * std), tf.square(sigma));
      const x0 = tf.div(tf.mul(tf.mul(alpha, std * std), x), variance);
      return tf.div(tf.sub(x, tf.mul(alpha, x0)), sigma);
    });
}

const zerosDenoiser: Denoiser = (x) => tf.zerosLike(x);

function baseOptions(overrides: Partial<SamplerOptions> = {}): SamplerOptions {
  return {
    schedule,
    denoiser: zerosDenoiser,
    shape: [1, 2],
    condition: null,
    numInferenceSteps: 10,
    rng: new Random(0),
    ...overrides,
  };
}

function run(name: string, options: SamplerOptions): tf.Tensor {
  return sample({ ...options, sampler: name });
}

function maxAbsError(values: ArrayLike<number>, expected: number): number {
  let worst = 0;
  for (let i = 0; i < values.length; i++) worst = Math.max(worst, Math.abs(values[i] - expected));
  return worst;
}

function assertFinite(values: ArrayLike<number>, label: string): void {
  for (let i = 0; i < values.length; i++) {
    assert.ok(Number.isFinite(values[i]), `${label}: value ${i} is ${values[i]}`);
  }
}

test('ddim lands exactly on a known x0', () => {
  // The denoiser is exact for x_0 = 0.5, so every x_0 estimate is 0.5 and the last step, which goes to
  // alphaBar = 1, must return it. A sampler that used alphaBar at timestep 0 (0.9999) in place
  // of 1 after the last step would end at 0.50994 with 50 steps and 0.50989 with 10 steps.
  // Tolerance: float32 rounding at t = 0, where alpha = 0.99995.
  for (const numInferenceSteps of [50, 10]) {
    const xT = tf.ones([2, 3]);
    const result = sampleDdim(
      baseOptions({ denoiser: constantDataDenoiser(schedule, 0.5), shape: [2, 3], xT, numInferenceSteps, timestepSpacing: 'leading' }),
    );
    const error = maxAbsError(result.dataSync(), 0.5);
    assert.ok(error < 1e-5, `${numInferenceSteps} steps: max error ${error}`);
    tf.dispose([xT, result]);
  }
});

test('dpm-solver++ lands exactly on a known x0', () => {
  for (const numInferenceSteps of [50, 10]) {
    const xT = tf.ones([2, 3]);
    const result = sampleDpmSolver(
      baseOptions({ denoiser: constantDataDenoiser(schedule, 0.5), shape: [2, 3], xT, numInferenceSteps, timestepSpacing: 'leading' }),
    );
    const error = maxAbsError(result.dataSync(), 0.5);
    assert.ok(error < 1e-5, `${numInferenceSteps} steps: max error ${error}`);
    tf.dispose([xT, result]);
  }
});

test('every sampler ends near a constant x0 from noise', () => {
  for (const name of SAMPLERS) {
    for (const timestepSpacing of TIMESTEP_SPACINGS) {
      const result = run(
        name,
        baseOptions({ denoiser: constantDataDenoiser(schedule, -0.3), shape: [2, 4, 4, 1], numInferenceSteps: 20, timestepSpacing }),
      );
      assert.equal(result.shape, [2, 4, 4, 1]);
      // float32 rounding of the last x_0 estimate; noise of order 3 at t = 999 leaves about 1e-6.
      const error = maxAbsError(result.dataSync(), -0.3);
      assert.ok(error < 1e-4, `${name}, ${timestepSpacing}: max error ${error}`);
      result.dispose();
    }
  }
});

test('every step count and spacing completes', () => {
  const counts = [1, 3, 9, 27, 36, 37, 61, 101, 103, 110, 111, 121, 122, 250, 333, 500, 999, 1000];
  for (const timestepSpacing of TIMESTEP_SPACINGS) {
    for (const numInferenceSteps of counts) {
      const steps: number[] = [];
      const result = sampleDdim(
        baseOptions({ numInferenceSteps, timestepSpacing, onProgress: (progress) => steps.push(progress.timestep) }),
      );
      const label = `${timestepSpacing}, ${numInferenceSteps} steps`;
      assert.equal(result.shape, [1, 2], label);
      assertFinite(result.dataSync(), label);
      assert.is(steps.length, numInferenceSteps, `${label}: steps run`);
      result.dispose();
    }
  }
});

test('dpm-solver++ converges at second order, ddim at first', () => {
  // Both solve the same probability-flow ODE, whose exact end point for Gaussian data is known.
  // Doubling the steps from 20 to 40 should divide the error by about 4 for DPM-Solver++(2M) and
  // by about 2 for DDIM. 'leading' ends at timestep 0, so the final hop to alphaBar = 1, a
  // first-order step for both solvers, adds an error of only about 1e-5 here.
  const std = 2;
  const denoiser = gaussianDataDenoiser(schedule, std);
  const errors: Record<string, number[]> = { ddim: [], 'dpmsolver++': [] };
  for (const numInferenceSteps of [20, 40]) {
    const start = (numInferenceSteps - 1) * Math.floor(1000 / numInferenceSteps);
    const alphaBar = schedule.alphasCumprod[start];
    const exact = std / Math.sqrt(alphaBar * std * std + 1 - alphaBar);
    for (const name of ['ddim', 'dpmsolver++']) {
      const xT = tf.ones([1, 1]);
      const result = run(name, baseOptions({ denoiser, shape: [1, 1], xT, numInferenceSteps, timestepSpacing: 'leading' }));
      errors[name].push(Math.abs(result.dataSync()[0] - exact));
      tf.dispose([xT, result]);
    }
  }
  // Measured on this setup: ddim 0.145 and 0.074, dpm-solver++ 0.071 and 0.016.
  const ddimRatio = errors.ddim[0] / errors.ddim[1];
  const dpmRatio = errors['dpmsolver++'][0] / errors['dpmsolver++'][1];
  assert.ok(ddimRatio > 1.7, `ddim error ratio ${ddimRatio} (errors ${errors.ddim})`);
  assert.ok(ddimRatio < 2.3, `ddim error ratio ${ddimRatio} (errors ${errors.ddim})`);
  assert.ok(dpmRatio > 3.4, `dpm-solver++ error ratio ${dpmRatio} (errors ${errors['dpmsolver++']})`);
  assert.ok(errors['dpmsolver++'][1] < errors.ddim[1] / 3, `at 40 steps: ${errors['dpmsolver++'][1]} vs ${errors.ddim[1]}`);
});

test('ddim with eta 1 matches ddpm', () => {
  // With eta = 1, sigma_t of DDIM eq. 16 is the DDPM posterior standard deviation and the two
  // updates have the same mean, so with the same noise draws the samples agree.
  const denoiser = gaussianDataDenoiser(schedule, 0.7);
  const ddpm = sampleDdpm(baseOptions({ denoiser, shape: [2, 5], numInferenceSteps: 25, rng: new Random(21) }));
  const ddim = sampleDdim(baseOptions({ denoiser, shape: [2, 5], numInferenceSteps: 25, rng: new Random(21), eta: 1 }));
  const ddpmValues = ddpm.dataSync();
  const ddimValues = ddim.dataSync();
  for (let i = 0; i < ddpmValues.length; i++) {
    assert.ok(Math.abs(ddpmValues[i] - ddimValues[i]) < 1e-4, `value ${i}: ddpm ${ddpmValues[i]}, ddim ${ddimValues[i]}`);
  }
  tf.dispose([ddpm, ddim]);
});

test('same seed gives identical ddpm samples', () => {
  const options = (): SamplerOptions => baseOptions({ denoiser: gaussianDataDenoiser(schedule, 1), shape: [2, 3], rng: new Random(5) });
  const first = sampleDdpm(options());
  const second = sampleDdpm(options());
  assert.equal(Array.from(first.dataSync()), Array.from(second.dataSync()));
  const other = sampleDdpm({ ...options(), rng: new Random(6) });
  assert.not.equal(Array.from(first.dataSync()), Array.from(other.dataSync()));
  tf.dispose([first, second, other]);
});

test('ddim with eta > 0 draws noise from rng', () => {
  const denoiser = gaussianDataDenoiser(schedule, 1);
  const xT = tf.ones([2, 3]);
  const withSeed = (seed: number, eta: number) =>
    sampleDdim(baseOptions({ denoiser, shape: [2, 3], xT, eta, rng: new Random(seed) }));
  const a = withSeed(1, 0.5);
  const b = withSeed(1, 0.5);
  const c = withSeed(2, 0.5);
  assert.equal(Array.from(a.dataSync()), Array.from(b.dataSync()));
  assert.not.equal(Array.from(a.dataSync()), Array.from(c.dataSync()));
  // With eta = 0 and a given x_T, the rng is not used at all.
  const d = withSeed(1, 0);
  const e = withSeed(2, 0);
  assert.equal(Array.from(d.dataSync()), Array.from(e.dataSync()));
  tf.dispose([xT, a, b, c, d, e]);
});

test('initial noise comes from rng.normalArray', () => {
  // One step from 'leading' timestep 0 with a zero epsilon: x_0 = x_T / sqrt(alphaBar_0).
  const result = sampleDdim(baseOptions({ shape: [1, 4], numInferenceSteps: 1, rng: new Random(8) }));
  const noise = new Random(8).normalArray(4);
  const expected = Array.from(noise, (value) => value / Math.sqrt(schedule.alphasCumprod[0]));
  const values = result.dataSync();
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(values[i] - expected[i]) < 1e-6, `value ${i}: ${values[i]} vs ${expected[i]}`);
  result.dispose();
});

test('zero terminal SNR samples from trailing with v-prediction', () => {
  for (const name of SAMPLERS) {
    const visited: number[] = [];
    const denoiser = constantDataDenoiser(zeroSnrSchedule, 0.25, 'v_prediction');
    const result = run(
      name,
      baseOptions({
        schedule: zeroSnrSchedule,
        denoiser,
        shape: [2, 3],
        numInferenceSteps: 10,
        predictionType: 'v_prediction',
        onProgress: (progress) => visited.push(progress.timestep),
      }),
    );
    // The default spacing for a zero-terminal-SNR schedule is 'trailing', which starts at 999.
    assert.is(visited[0], 999, name);
    const values = result.dataSync();
    assertFinite(values, name);
    const error = maxAbsError(values, 0.25);
    assert.ok(error < 1e-4, `${name}: max error ${error}`);
    result.dispose();
  }
});

test('zero terminal SNR with a zero velocity stays finite', () => {
  for (const name of SAMPLERS) {
    const result = run(
      name,
      baseOptions({ schedule: zeroSnrSchedule, predictionType: 'v_prediction', timestepSpacing: 'trailing', numInferenceSteps: 7 }),
    );
    assertFinite(result.dataSync(), name);
    result.dispose();
  }
});

test('zero terminal SNR rejects epsilon from the last timestep', () => {
  for (const name of SAMPLERS) {
    assert.throws(
      () => run(name, baseOptions({ schedule: zeroSnrSchedule, timestepSpacing: 'trailing' })),
      /timestep 999 has alphaBar = 0.*'v_prediction'/,
    );
  }
  // 'leading' never visits timestep 999 here, so epsilon works.
  const result = sampleDdim(baseOptions({ schedule: zeroSnrSchedule, timestepSpacing: 'leading' }));
  assertFinite(result.dataSync(), 'leading');
  result.dispose();
});

test('each sampler leaves only its result alive', () => {
  const nullCondition = tf.scalar(3, 'int32');
  const condition = tf.tensor1d([0, 1], 'int32');
  const xT = tf.ones([2, 2, 2, 1]);
  const guided = withClassifierFreeGuidance(constantDataDenoiser(schedule, 0.1), { guidanceScale: 4, nullCondition });
  for (const name of SAMPLERS) {
    for (const extra of [{}, { xT }, { clipSample: 1 }, { eta: name === 'ddim' ? 0.5 : 0 }]) {
      const before = tf.memory().numTensors;
      const result = run(name, baseOptions({ denoiser: guided, shape: [2, 2, 2, 1], condition, numInferenceSteps: 6, ...extra }));
      assert.is(tf.memory().numTensors, before + 1, `${name} ${JSON.stringify(Object.keys(extra))}: after sampling`);
      result.dispose();
      assert.is(tf.memory().numTensors, before, `${name}: after disposing the result`);
    }
  }
  assert.ok(!xT.isDisposed, 'the sampler must not dispose the caller’s xT');
  tf.dispose([nullCondition, condition, xT]);
});

test('a failing denoiser leaves no tensors behind', () => {
  let calls = 0;
  const failing: Denoiser = (x) => {
    calls++;
    if (calls === 3) throw new Error('denoiser failed');
    return tf.zerosLike(x);
  };
  for (const name of SAMPLERS) {
    calls = 0;
    const before = tf.memory().numTensors;
    assert.throws(() => run(name, baseOptions({ denoiser: failing })), /denoiser failed/);
    assert.is(tf.memory().numTensors, before, name);
  }
});

test('progress reports every step in order', () => {
  const reports: SamplerProgress[] = [];
  const result = sampleDpmSolver(baseOptions({ numInferenceSteps: 4, onProgress: (progress) => reports.push(progress) }));
  assert.equal(
    reports.map(({ step, total, timestep }) => [step, total, timestep]),
    [
      [1, 4, 750],
      [2, 4, 500],
      [3, 4, 250],
      [4, 4, 0],
    ],
  );
  for (const report of reports) assert.ok(Number.isFinite(report.msPerStep) && report.msPerStep >= 0);
  result.dispose();
});

test('clipSample bounds the x0 estimate', () => {
  // A zero epsilon at t = 900 gives x_0 = x_t / 0.0164, far outside [-1, 1] before clipping.
  // The last step returns the clipped x_0 estimate, so the result stays inside [-1, 1].
  for (const name of SAMPLERS) {
    const result = run(name, baseOptions({ shape: [4, 8], numInferenceSteps: 10, clipSample: 1, rng: new Random(4) }));
    const values = result.dataSync();
    for (let i = 0; i < values.length; i++) assert.ok(Math.abs(values[i]) <= 1, `${name}: value ${i} is ${values[i]}`);
    result.dispose();
  }
});

test('sample dispatches to the named sampler', () => {
  const denoiser = gaussianDataDenoiser(schedule, 1);
  const direct = sampleDdpm(baseOptions({ denoiser, rng: new Random(9) }));
  const dispatched = sample({ ...baseOptions({ denoiser, rng: new Random(9) }), sampler: 'ddpm' });
  assert.equal(Array.from(dispatched.dataSync()), Array.from(direct.dataSync()));
  tf.dispose([direct, dispatched]);
});

test('rejects step counts outside [1, 1000]', () => {
  const names: Record<string, string> = { ddpm: 'sampleDdpm', ddim: 'sampleDdim', 'dpmsolver++': 'sampleDpmSolver' };
  for (const name of SAMPLERS) {
    for (const numInferenceSteps of [0, 1001]) {
      const message = `${names[name]}: \`numInferenceSteps\` must be an integer in [1, 1000], got ${numInferenceSteps}`;
      assert.throws(
        () => run(name, baseOptions({ numInferenceSteps })),
        (error: Error) => error.message === message,
      );
    }
  }
});

test('rejects unknown names, listing valid ones', () => {
  assert.throws(
    () => run('euler', baseOptions()),
    /^sample: unknown `sampler` 'euler'; use one of ddpm, ddim, dpmsolver\+\+$/,
  );
  assert.throws(
    () => run('ddim', baseOptions({ timestepSpacing: 'karras' })),
    /^sampleDdim: unknown `timestepSpacing` 'karras'; use one of leading, trailing, linspace$/,
  );
  assert.throws(
    () => run('ddpm', baseOptions({ predictionType: 'sample' })),
    /^sampleDdpm: unknown `predictionType` 'sample'; use one of epsilon, v_prediction$/,
  );
});

test('rejects bad shapes, conditions, eta and outputs', () => {
  assert.throws(() => sampleDdim(baseOptions({ shape: [0, 2] })), /`shape` must be \[batch, \.\.\.sampleShape\] of positive integers, got \[0,2\]/);
  const condition = tf.tensor1d([1, 2, 3], 'int32');
  assert.throws(() => sampleDdim(baseOptions({ condition })), /`condition` must be null or a tensor of 1 rows .*got shape \[3\]/);
  const xT = tf.zeros([1, 3]);
  assert.throws(() => sampleDdim(baseOptions({ xT })), /`xT` must be a tensor of shape \[1,2\], got shape \[1,3\]/);
  assert.throws(() => sampleDdim(baseOptions({ eta: -0.1 })), /`eta` must be in \[0, 1\], got -0\.1/);
  assert.throws(() => sampleDdim(baseOptions({ clipSample: 0 })), /`clipSample` must be null or a positive finite number, got 0/);
  const badDenoiser: Denoiser = () => tf.zeros([1, 3]);
  assert.throws(() => sampleDdpm(baseOptions({ denoiser: badDenoiser })), /^sampleDdpm: the denoiser must return a tensor of shape \[1,2\], got shape \[1,3\]$/);
  tf.dispose([condition, xT]);
});

test.run();
