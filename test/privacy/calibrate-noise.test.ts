import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { calibrateNoiseMultiplier } from '../../kernel-lib/privacy/calibrate-noise';
import { DEFAULT_RDP_ORDERS, rdpToEpsilon } from '../../kernel-lib/privacy/rdp-accountant';
import { computeRdp } from '../../kernel-lib/privacy/sampled-gaussian-rdp';

function epsilonAt(noiseMultiplier: number): number {
  const orders = DEFAULT_RDP_ORDERS;
  return rdpToEpsilon(orders, computeRdp({ sampleRate: 0.02, noiseMultiplier, steps: 500, orders }), 1e-5, 'improved').epsilon;
}

test('finds the smallest σ within tolerance', () => {
  const result = calibrateNoiseMultiplier({ targetEpsilon: 3, delta: 1e-5, sampleRate: 0.02, steps: 500, tolerance: 1e-4 });
  assert.ok(result.epsilon <= 3, `expected ε ≤ 3, got ${result.epsilon}`);
  assert.is(result.epsilon, epsilonAt(result.noiseMultiplier));
  const lower = epsilonAt(result.noiseMultiplier - 1e-4);
  assert.ok(lower > 3, `expected σ − tolerance to exceed the target, got ε = ${lower}`);
});

test('recovers σ = 1.2 from its own ε', () => {
  // 500 steps at q = 0.02, σ = 1.2 give improved ε = 2.182403 (rdp-accountant.test.ts).
  const result = calibrateNoiseMultiplier({ targetEpsilon: 2.182403, delta: 1e-5, sampleRate: 0.02, steps: 500, tolerance: 1e-5 });
  assert.ok(Math.abs(result.noiseMultiplier - 1.2) < 1e-4, `expected σ ≈ 1.2, got ${result.noiseMultiplier}`);
});

test('rejects an unreachable target', () => {
  assert.throws(
    () => calibrateNoiseMultiplier({ targetEpsilon: 0.01, delta: 1e-5, sampleRate: 1, steps: 1000, maxNoiseMultiplier: 10 }),
    /calibrateNoiseMultiplier: `targetEpsilon` 0.01 is unreachable: even σ = 10 gives ε = \d+\.\d+ for 1000 steps/,
  );
});

test('rejects invalid requests', () => {
  const valid = { targetEpsilon: 1, delta: 1e-5, sampleRate: 0.01, steps: 100 };
  assert.throws(() => calibrateNoiseMultiplier({ ...valid, targetEpsilon: 0 }), /`targetEpsilon` must be a finite number > 0, got 0/);
  assert.throws(() => calibrateNoiseMultiplier({ ...valid, delta: 1.5 }), /`delta` must be in \(0, 1\), got 1.5/);
  assert.throws(() => calibrateNoiseMultiplier({ ...valid, sampleRate: 2 }), /`sampleRate` must be in \(0, 1\], got 2/);
  assert.throws(() => calibrateNoiseMultiplier({ ...valid, steps: -3 }), /`steps` must be a positive integer, got -3/);
});

test.run();
