import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeRdp, rdpOfOneStep } from '../../kernel-lib/privacy/sampled-gaussian-rdp';

// [q, σ, α, RDP(α)] of one step, by numerical integration of A_α with mpmath 1.3.0 at 40 digits:
// output of test/privacy/rdp_reference.py. The integration does not use the series, so it checks
// both the integer and the fractional expansion independently.
const INTEGRATED_RDP: [number, number, number, number][] = [
  [0.01, 1.0, 1.5, 0.00012725374332744984],
  [0.02, 1.2, 8.8, 0.0022285516560457689],
  [0.02, 1.2, 8.0, 0.0019454867568119497],
  [0.00105, 1.0, 14.0, 0.00053297829036557781],
  [0.1, 0.8, 2.5, 0.058087571083751345],
  [0.5, 2.0, 1.1, 0.035627629850551773],
  [0.3, 5.0, 40.5, 0.11517991814556753],
];

test('matches numerical integration', () => {
  for (const [q, sigma, alpha, expected] of INTEGRATED_RDP) {
    const actual = rdpOfOneStep(q, sigma, alpha);
    // ln A_α is a log of a sum near 1 built from many float64 terms, which leaves an absolute
    // error of order 1e-14 in ln A_α; the RDP divides it by α − 1.
    const tolerance = 1e-10 * expected + 1e-13 / (alpha - 1);
    assert.ok(
      Math.abs(actual - expected) <= tolerance,
      `RDP(q=${q}, σ=${sigma}, α=${alpha}): expected ${expected} ± ${tolerance}, but got ${actual}`,
    );
  }
});

test('q = 1 gives the Gaussian mechanism α/(2σ²)', () => {
  const rdp = computeRdp({ sampleRate: 1, noiseMultiplier: 2, steps: 3, orders: [1.5, 2, 32] });
  assert.equal(Array.from(rdp), [(3 * 1.5) / 8, (3 * 2) / 8, (3 * 32) / 8]);
});

test('integer and fractional expansions agree across an integer', () => {
  // RDP is continuous in α, so the series just either side of α = 5 must bracket the exact sum.
  const below = rdpOfOneStep(0.05, 1.1, 5 - 1e-9);
  const at = rdpOfOneStep(0.05, 1.1, 5);
  const above = rdpOfOneStep(0.05, 1.1, 5 + 1e-9);
  assert.ok(below <= at + 1e-12, `expected RDP(5 − 1e-9) ≤ RDP(5), got ${below} and ${at}`);
  assert.ok(at <= above + 1e-12, `expected RDP(5) ≤ RDP(5 + 1e-9), got ${at} and ${above}`);
  assert.ok(Math.abs(above - below) < 1e-9, `expected a continuous curve, got ${below} and ${above}`);
});

test('steps multiply the RDP', () => {
  const orders = [1.5, 2, 7.3, 40];
  const oneStep = computeRdp({ sampleRate: 0.01, noiseMultiplier: 1.1, steps: 1, orders });
  const many = computeRdp({ sampleRate: 0.01, noiseMultiplier: 1.1, steps: 250, orders });
  for (let k = 0; k < orders.length; k++) {
    assert.ok(Math.abs(many[k] - 250 * oneStep[k]) <= 1e-12 * many[k], `order ${orders[k]}: ${many[k]} vs 250 × ${oneStep[k]}`);
  }
});

test('RDP grows with the order and falls with σ', () => {
  const orders = [1.1, 1.5, 2, 3.5, 8, 20, 63];
  const rdp = computeRdp({ sampleRate: 0.02, noiseMultiplier: 1, steps: 1, orders });
  for (let k = 1; k < orders.length; k++) {
    assert.ok(rdp[k] > rdp[k - 1], `expected RDP(${orders[k]}) > RDP(${orders[k - 1]}), got ${rdp[k]} and ${rdp[k - 1]}`);
  }
  const noisier = computeRdp({ sampleRate: 0.02, noiseMultiplier: 2, steps: 1, orders });
  for (let k = 0; k < orders.length; k++) {
    assert.ok(noisier[k] < rdp[k], `order ${orders[k]}: expected σ = 2 below σ = 1, got ${noisier[k]} and ${rdp[k]}`);
  }
});

test('an order just above 1 stays finite', () => {
  const value = rdpOfOneStep(0.00105, 1, 1 + 1e-8);
  assert.ok(Number.isFinite(value), `expected a finite RDP, got ${value}`);
  assert.ok(value >= 0, `expected RDP >= 0, got ${value}`);
});

test('rejects invalid parameters', () => {
  const orders = [2];
  assert.throws(() => computeRdp({ sampleRate: 0, noiseMultiplier: 1, steps: 1, orders }), /computeRdp: `sampleRate` must be in \(0, 1\], got 0/);
  assert.throws(() => computeRdp({ sampleRate: 1.5, noiseMultiplier: 1, steps: 1, orders }), /`sampleRate` must be in \(0, 1\], got 1.5/);
  assert.throws(() => computeRdp({ sampleRate: 0.1, noiseMultiplier: 0, steps: 1, orders }), /`noiseMultiplier` must be a finite number > 0, got 0/);
  assert.throws(() => computeRdp({ sampleRate: 0.1, noiseMultiplier: -1, steps: 1, orders }), /got -1/);
  assert.throws(() => computeRdp({ sampleRate: 0.1, noiseMultiplier: 1, steps: 2.5, orders }), /`steps` must be a positive integer, got 2.5/);
  assert.throws(() => computeRdp({ sampleRate: 0.1, noiseMultiplier: 1, steps: 0, orders }), /`steps` must be a positive integer, got 0/);
  assert.throws(() => computeRdp({ sampleRate: 0.1, noiseMultiplier: 1, steps: 1, orders: [2, 1] }), /`orders\[1\]` must be a finite number > 1, got 1/);
});

test.run();
