import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BETA_SCHEDULES, makeNoiseSchedule, NoiseSchedule } from '../../kernel-lib/diffusion/schedules';

test.before(async () => {
  await tf.setBackend('cpu');
});

function assertStrictlyDecreasing(values: Float64Array, label: string): void {
  for (let i = 1; i < values.length; i++) {
    assert.ok(values[i] < values[i - 1], `${label}: expected strictly decreasing, but [${i - 1}] = ${values[i - 1]} and [${i}] = ${values[i]}`);
  }
}

function assertConsistent(schedule: NoiseSchedule): void {
  const { numTrainTimesteps: T } = schedule;
  for (const name of ['betas', 'alphas', 'alphasCumprod', 'sqrtAlphasCumprod', 'sqrtOneMinusAlphasCumprod'] as const) {
    assert.ok(schedule[name] instanceof Float64Array, `${name} should be a Float64Array`);
    assert.is(schedule[name].length, T, `${name} length`);
  }
  for (let t = 0; t < T; t++) {
    assert.ok(Math.abs(schedule.alphas[t] - (1 - schedule.betas[t])) < 1e-15, `alphas[${t}]`);
    assert.ok(Math.abs(schedule.sqrtAlphasCumprod[t] ** 2 - schedule.alphasCumprod[t]) < 1e-14, `sqrtAlphasCumprod[${t}]`);
    assert.ok(
      Math.abs(schedule.sqrtOneMinusAlphasCumprod[t] ** 2 - (1 - schedule.alphasCumprod[t])) < 1e-14,
      `sqrtOneMinusAlphasCumprod[${t}]`,
    );
  }
}

test('defaults are linear 1e-4 to 0.02 over 1000', () => {
  const schedule = makeNoiseSchedule();
  assert.is(schedule.numTrainTimesteps, 1000);
  assert.is(schedule.betaSchedule, 'linear');
  assert.is(schedule.zeroTerminalSnr, false);
  assert.is(schedule.betas[0], 1e-4);
  assert.is(schedule.betas[999], 0.02);
});

test('linear betas are evenly spaced', () => {
  const schedule = makeNoiseSchedule({ numTrainTimesteps: 11, betaStart: 0.1, betaEnd: 0.2 });
  assert.is(schedule.betas[0], 0.1);
  assert.is(schedule.betas[10], 0.2);
  for (let t = 0; t < 11; t++) {
    assert.ok(Math.abs(schedule.betas[t] - (0.1 + 0.01 * t)) < 1e-15, `beta[${t}] = ${schedule.betas[t]}`);
  }
  assertConsistent(schedule);
});

test('linear alphasCumprod matches a direct product', () => {
  // alphaBar_999 of the DDPM schedule, prod_{t} (1 - beta_t) in float64, is about 4.04e-5.
  const schedule = makeNoiseSchedule();
  let product = 1;
  for (let t = 0; t < 1000; t++) product *= 1 - (1e-4 + ((0.02 - 1e-4) * t) / 999);
  assert.ok(Math.abs(schedule.alphasCumprod[999] - product) / product < 1e-12, `got ${schedule.alphasCumprod[999]}`);
  assert.ok(schedule.alphasCumprod[999] > 4.0e-5, `got ${schedule.alphasCumprod[999]}`);
  assert.ok(schedule.alphasCumprod[999] < 4.1e-5, `got ${schedule.alphasCumprod[999]}`);
});

test('scaled_linear endpoints are betaStart and betaEnd', () => {
  const schedule = makeNoiseSchedule({ betaSchedule: 'scaled_linear', betaStart: 0.00085, betaEnd: 0.012 });
  // sqrt then square: equal up to float64 rounding.
  assert.ok(Math.abs(schedule.betas[0] - 0.00085) < 1e-17, `first beta ${schedule.betas[0]}`);
  assert.ok(Math.abs(schedule.betas[999] - 0.012) < 1e-17, `last beta ${schedule.betas[999]}`);
  // The middle beta is ((sqrt(a) + sqrt(b)) / 2)^2 at t = 499.5; t = 500 lies just above it.
  const middle = ((Math.sqrt(0.00085) + Math.sqrt(0.012)) / 2) ** 2;
  assert.ok(schedule.betas[499] < middle, `beta[499] = ${schedule.betas[499]}, middle ${middle}`);
  assert.ok(schedule.betas[500] > middle, `beta[500] = ${schedule.betas[500]}, middle ${middle}`);
  assertConsistent(schedule);
});

test('cosine betas are capped at 0.999 and hit the cap last', () => {
  const schedule = makeNoiseSchedule({ betaSchedule: 'cosine' });
  for (let t = 0; t < 1000; t++) {
    assert.ok(schedule.betas[t] > 0, `beta[${t}] = ${schedule.betas[t]}`);
    assert.ok(schedule.betas[t] <= 0.999, `beta[${t}] = ${schedule.betas[t]}`);
  }
  assert.is(schedule.betas[999], 0.999);
  assert.ok(schedule.betas[998] < 0.999, `beta[998] = ${schedule.betas[998]}`);
  assertConsistent(schedule);
});

test('cosine alphasCumprod follows the squared cosine', () => {
  // Nichol and Dhariwal 2021, eq. 17: alphaBar_t = f(t + 1) / f(0) for timestep index t, while no beta is clipped.
  const f = (t: number) => Math.cos(((t / 1000 + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
  const schedule = makeNoiseSchedule({ betaSchedule: 'cosine' });
  for (const t of [0, 100, 500, 900, 990]) {
    const expected = f(t + 1) / f(0);
    assert.ok(Math.abs(schedule.alphasCumprod[t] - expected) < 1e-12, `alphaBar[${t}] = ${schedule.alphasCumprod[t]}, expected ${expected}`);
  }
});

test('alphasCumprod strictly decreases for every schedule', () => {
  for (const betaSchedule of BETA_SCHEDULES) {
    for (const zeroTerminalSnr of [false, true]) {
      const schedule = makeNoiseSchedule({ betaSchedule, zeroTerminalSnr });
      assertStrictlyDecreasing(schedule.alphasCumprod, `${betaSchedule}, zeroTerminalSnr ${zeroTerminalSnr}`);
      assert.ok(schedule.alphasCumprod[0] < 1);
    }
  }
});

test('zero terminal SNR ends at exactly 0', () => {
  for (const betaSchedule of BETA_SCHEDULES) {
    const plain = makeNoiseSchedule({ betaSchedule });
    const rescaled = makeNoiseSchedule({ betaSchedule, zeroTerminalSnr: true });
    assert.is(rescaled.zeroTerminalSnr, true);
    assert.is(rescaled.alphasCumprod[999], 0);
    assert.is(rescaled.sqrtAlphasCumprod[999], 0);
    assert.is(rescaled.sqrtOneMinusAlphasCumprod[999], 1);
    assert.is(rescaled.betas[999], 1);
    assert.is(rescaled.sqrtAlphasCumprod[0], plain.sqrtAlphasCumprod[0], `${betaSchedule}: first value must not move`);
    assertConsistent(rescaled);
  }
});

test('zero terminal SNR betas reproduce alphasCumprod', () => {
  const schedule = makeNoiseSchedule({ zeroTerminalSnr: true });
  let product = 1;
  for (let t = 0; t < 999; t++) {
    product *= 1 - schedule.betas[t];
    assert.ok(Math.abs(product - schedule.alphasCumprod[t]) < 1e-12, `t = ${t}: ${product} vs ${schedule.alphasCumprod[t]}`);
  }
});

test('zero terminal SNR is a linear map of sqrt(alphaBar)', () => {
  // Lin et al. 2024, Algorithm 1: shift by the last value, then scale so the first is unchanged.
  const plain = makeNoiseSchedule();
  const rescaled = makeNoiseSchedule({ zeroTerminalSnr: true });
  const first = plain.sqrtAlphasCumprod[0];
  const last = plain.sqrtAlphasCumprod[999];
  for (const t of [1, 250, 500, 998]) {
    const expected = ((plain.sqrtAlphasCumprod[t] - last) * first) / (first - last);
    assert.ok(Math.abs(rescaled.sqrtAlphasCumprod[t] - expected) < 1e-14, `t = ${t}`);
  }
});

test('rejects an unknown schedule, listing valid names', () => {
  assert.throws(
    () => makeNoiseSchedule({ betaSchedule: 'sigmoid' }),
    (error: Error) =>
      error.message.startsWith('makeNoiseSchedule:') &&
      error.message.includes("'sigmoid'") &&
      error.message.includes('linear, scaled_linear, cosine'),
  );
});

test('rejects bad timestep counts and betas', () => {
  assert.throws(() => makeNoiseSchedule({ numTrainTimesteps: 1 }), /`numTrainTimesteps` must be an integer >= 2, got 1/);
  assert.throws(() => makeNoiseSchedule({ numTrainTimesteps: 100.5 }), /got 100\.5/);
  assert.throws(() => makeNoiseSchedule({ betaStart: 0 }), /0 < betaStart < betaEnd < 1, got betaStart 0 and betaEnd 0\.02/);
  assert.throws(() => makeNoiseSchedule({ betaStart: 0.03 }), /got betaStart 0\.03 and betaEnd 0\.02/);
  assert.throws(() => makeNoiseSchedule({ betaEnd: 1 }), /got betaStart 0\.0001 and betaEnd 1/);
  assert.throws(() => makeNoiseSchedule({ betaStart: NaN }), /got betaStart NaN/);
});

test.run();
