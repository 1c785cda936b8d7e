import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_RDP_ORDERS, RdpAccountant, rdpToEpsilon } from '../../kernel-lib/privacy/rdp-accountant';
import { computeRdp } from '../../kernel-lib/privacy/sampled-gaussian-rdp';
import { assertClose } from './helpers';

/** ε over the default orders for `steps` identical steps. */
function epsilonOf(q: number, sigma: number, steps: number, delta: number, conversion: 'classic' | 'improved', orders = DEFAULT_RDP_ORDERS) {
  return rdpToEpsilon(orders, computeRdp({ sampleRate: q, noiseMultiplier: sigma, steps, orders }), delta, conversion);
}

// Reference ε values to 6 decimals, tolerance 5e-7. A scipy re-implementation of the formulas in
// Opacus' rdp.py (compute_rdp, the classic conversion and get_privacy_spent's improved one) over
// the same orders gives the same values.
test('one step at q = 0.00105, σ = 1, δ = 1e-3', () => {
  assertClose(epsilonOf(0.00105, 1, 1, 1e-3, 'classic').epsilon, 0.531899, 5e-7, 'classic ε');
  assertClose(epsilonOf(0.00105, 1, 1, 1e-3, 'improved').epsilon, 0.254786, 5e-7, 'improved ε');
});

test('order 1 + 1e-8 leaves ε unchanged', () => {
  const orders = [...DEFAULT_RDP_ORDERS, 1 + 1e-8];
  const classic = epsilonOf(0.00105, 1, 1, 1e-3, 'classic', orders);
  const improved = epsilonOf(0.00105, 1, 1, 1e-3, 'improved', orders);
  assert.is(classic.epsilon, epsilonOf(0.00105, 1, 1, 1e-3, 'classic').epsilon);
  assert.is(improved.epsilon, epsilonOf(0.00105, 1, 1, 1e-3, 'improved').epsilon);
  assert.is.not(classic.order, 1 + 1e-8);
});

test('10,000 steps at q = 0.00033, σ = 4 (classic)', () => {
  assertClose(epsilonOf(0.00033, 4, 10_000, 1.1e-18, 'classic').epsilon, 0.669171, 5e-7, 'ε at δ = 1.1e-18');
  assertClose(epsilonOf(0.00033, 4, 10_000, 1.13e-18, 'classic').epsilon, 0.668737, 5e-7, 'ε at δ = 1.13e-18');
});

test('500 steps at q = 0.02, σ = 1.2, δ = 1e-5', () => {
  const classic = epsilonOf(0.02, 1.2, 500, 1e-5, 'classic');
  const improved = epsilonOf(0.02, 1.2, 500, 1e-5, 'improved');
  assertClose(classic.epsilon, 2.590292, 5e-7, 'classic ε');
  assert.is(classic.order, 8.8);
  assertClose(improved.epsilon, 2.182403, 5e-7, 'improved ε');
  assert.is(improved.order, 8.3);
  assert.is(improved.orderAtEdge, false);
});

test('best order at the largest order is flagged', () => {
  const spent = epsilonOf(0.00033, 4, 10_000, 1.1e-18, 'classic');
  assert.is(spent.order, 63);
  assert.is(spent.orderAtEdge, true);
});

test('ε never grows with δ', () => {
  const orders = DEFAULT_RDP_ORDERS;
  for (const [q, sigma, steps] of [[0.01, 0.8, 1000], [0.1, 3, 10], [1, 5, 1]]) {
    const rdp = computeRdp({ sampleRate: q, noiseMultiplier: sigma, steps, orders });
    for (const conversion of ['classic', 'improved'] as const) {
      let previous = Infinity;
      for (let exponent = -20; exponent <= -0.05; exponent += 0.25) {
        const { epsilon } = rdpToEpsilon(orders, rdp, 10 ** exponent, conversion);
        assert.ok(epsilon <= previous, `${conversion}, q=${q}: ε rose to ${epsilon} at δ = 1e${exponent}, from ${previous}`);
        assert.ok(epsilon >= 0, `${conversion}: expected ε >= 0, got ${epsilon}`);
        previous = epsilon;
      }
    }
  }
});

test('ε is clamped at 0', () => {
  // Improved conversion at α = 63 with RDP 1e-9 and δ = 0.9: 1e-9 + ln(62/63) − (ln 0.9 + ln 63)/62 < 0.
  const spent = rdpToEpsilon([63], [1e-9], 0.9, 'improved');
  assert.is(spent.epsilon, 0);
  assert.is(spent.order, 63);
});

test('improved is below classic', () => {
  const classic = epsilonOf(0.01, 1, 3000, 1e-6, 'classic').epsilon;
  const improved = epsilonOf(0.01, 1, 3000, 1e-6, 'improved').epsilon;
  assert.ok(improved < classic, `expected improved < classic, got ${improved} and ${classic}`);
});

test('accountant composes heterogeneous steps', () => {
  const accountant = new RdpAccountant();
  accountant.step(0.02, 1.2, 300);
  accountant.step(0.05, 2);
  accountant.step(0.05, 2, 99);
  accountant.step(0.02, 1.2, 200);
  assert.is(accountant.steps, 600);
  assert.equal(accountant.history(), [
    { sampleRate: 0.02, noiseMultiplier: 1.2, steps: 300 },
    { sampleRate: 0.05, noiseMultiplier: 2, steps: 100 },
    { sampleRate: 0.02, noiseMultiplier: 1.2, steps: 200 },
  ]);
  const orders = DEFAULT_RDP_ORDERS;
  const first = computeRdp({ sampleRate: 0.02, noiseMultiplier: 1.2, steps: 500, orders });
  const second = computeRdp({ sampleRate: 0.05, noiseMultiplier: 2, steps: 100, orders });
  const expected = rdpToEpsilon(orders, first.map((value, k) => value + second[k]), 1e-5, 'improved');
  const actual = accountant.epsilon(1e-5, 'improved');
  assertClose(actual.epsilon, expected.epsilon, 1e-12, 'composed ε');
  assert.is(actual.order, expected.order);
});

test('accountant matches the one-shot computation', () => {
  const accountant = new RdpAccountant();
  for (let i = 0; i < 500; i++) accountant.step(0.02, 1.2);
  assertClose(accountant.epsilon(1e-5, 'classic').epsilon, 2.590292, 5e-7, 'classic ε');
  assertClose(accountant.epsilon(1e-5).epsilon, 2.182403, 5e-7, 'default (improved) ε');
});

test('accountant survives a JSON round trip', () => {
  const accountant = new RdpAccountant([1.5, 2, 4, 16]);
  accountant.step(0.01, 1.1, 40);
  accountant.step(0.02, 0.9);
  const restored = RdpAccountant.fromJSON(JSON.parse(JSON.stringify(accountant)));
  assert.equal(restored.toJSON(), accountant.toJSON());
  assert.is(restored.epsilon(1e-5).epsilon, accountant.epsilon(1e-5).epsilon);
});

test('empty accountant spends nothing', () => {
  const spent = new RdpAccountant().epsilon(1e-5);
  assert.is(spent.epsilon, 0);
  assert.is(spent.order, null);
});

test('rejects invalid δ, σ, q and step counts', () => {
  const accountant = new RdpAccountant();
  assert.throws(() => accountant.epsilon(0), /RdpAccountant.epsilon: `delta` must be in \(0, 1\), got 0/);
  assert.throws(() => accountant.epsilon(1), /`delta` must be in \(0, 1\), got 1/);
  assert.throws(() => accountant.step(0.01, 0), /RdpAccountant.step: `noiseMultiplier` must be a finite number > 0, got 0/);
  assert.throws(() => accountant.step(0, 1), /RdpAccountant.step: `sampleRate` must be in \(0, 1\], got 0/);
  assert.throws(() => accountant.step(0.01, 1, 1.5), /RdpAccountant.step: `count` must be a positive integer, got 1.5/);
  assert.throws(() => rdpToEpsilon([2, 3], [0.1], 1e-5), /`rdp` must have one value per order, got 1 values for 2 orders/);
  assert.throws(() => accountant.epsilon(1e-5, 'tight' as never), /`conversion` must be one of classic, improved, got 'tight'/);
  assert.throws(() => RdpAccountant.fromJSON({ kind: 'other' } as never), /expected an object with kind 'rdp-accountant'/);
});

test('default orders are 1.1 … 10.9 and 12 … 63', () => {
  assert.is(DEFAULT_RDP_ORDERS.length, 99 + 52);
  assert.is(DEFAULT_RDP_ORDERS[0], 1.1);
  assert.is(DEFAULT_RDP_ORDERS[98], 10.9);
  assert.is(DEFAULT_RDP_ORDERS[99], 12);
  assert.is(DEFAULT_RDP_ORDERS[150], 63);
});

test.run();
