import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MembershipAttackReport } from '../../kernel-lib/privacy/membership-inference';
import { RdpAccountant } from '../../kernel-lib/privacy/rdp-accountant';
import { dcrHistogramFigure, epsilonCurveFigure, membershipRocFigure, utilityPrivacyFigure } from '../../kernel-lib/plots/privacy-figures';

interface Trace {
  name: string;
  x: (number | string)[];
  y: number[];
}

function attack(memberScores: number[], nonMemberScores: number[], auc: number): MembershipAttackReport {
  return {
    attack: 'distance',
    featureSpace: 'test',
    scaling: 'none',
    numMembers: memberScores.length,
    numNonMembers: nonMemberScores.length,
    memberScores: Float64Array.from(memberScores),
    nonMemberScores: Float64Array.from(nonMemberScores),
    auc,
    advantage: 1,
    advantageThreshold: 0,
  };
}

test('epsilon curve ends at the accountant value', () => {
  const figure = epsilonCurveFigure([{ name: 'σ 0.75', sampleRate: 0.0296, noiseMultiplier: 0.7488, steps: 600, delta: 1e-5 }]);
  const trace = figure.data[0] as Trace;
  const accountant = new RdpAccountant();
  accountant.step(0.0296, 0.7488, 600);
  assert.is(trace.x[trace.x.length - 1], 600);
  assert.ok(Math.abs(trace.y[trace.y.length - 1] - accountant.epsilon(1e-5).epsilon) < 1e-9, `last ε ${trace.y[trace.y.length - 1]}`);
});

test('epsilon curve never decreases', () => {
  const trace = epsilonCurveFigure([{ name: 'a', sampleRate: 0.01, noiseMultiplier: 1.1, steps: 50, delta: 1e-5 }], 'classic', 10).data[0] as Trace;
  assert.is(trace.x.length, 10);
  for (let i = 1; i < trace.y.length; i++) assert.ok(trace.y[i] >= trace.y[i - 1], `ε fell at step ${trace.x[i]}`);
});

test('fewer steps than points skips repeats', () => {
  const trace = epsilonCurveFigure([{ name: 'a', sampleRate: 0.01, noiseMultiplier: 1.1, steps: 3, delta: 1e-5 }]).data[0] as Trace;
  assert.equal(trace.x, [1, 2, 3]);
});

test('epsilon curve rejects zero steps', () => {
  assert.throws(() => epsilonCurveFigure([{ name: 'a', sampleRate: 0.01, noiseMultiplier: 1, steps: 0, delta: 1e-5 }]), /steps of 'a' must be a positive integer, got 0/);
});

test('perfect attack reaches the top-left corner', () => {
  const figure = membershipRocFigure('t', [{ name: 'distance', attack: attack([3, 4], [1, 2], 1) }]);
  const roc = figure.data[0] as Trace;
  assert.match(roc.name, 'AUC 1.000');
  assert.equal([roc.x[0], roc.y[0]], [0, 0]);
  assert.ok(roc.x.some((x, i) => x === 0 && roc.y[i] === 1), 'expected the point (0, 1)');
  assert.equal([roc.x[roc.x.length - 1], roc.y[roc.y.length - 1]], [1, 1]);
  assert.is((figure.data[1] as Trace).name, 'chance');
});

test('histogram labels synthetic records', () => {
  const figure = dcrHistogramFigure('t', [1, 2], [3], 'pixels');
  const names = (figure.data as Trace[]).map((trace) => trace.name);
  assert.ok(names[0].startsWith('SYNTHETIC'), names[0]);
  assert.equal((figure.data[1] as Trace).x, [3]);
});

test('empty distances rejected', () => {
  assert.throws(() => dcrHistogramFigure('t', [], [1], 'pixels'), /got 0 synthetic and 1 holdout/);
});

test('non-private point comes last', () => {
  const figure = utilityPrivacyFigure('t', 'AUROC', [
    { name: 'plain', epsilon: null, value: 0.9, lower: 0.85, upper: 0.95 },
    { name: 'dp', epsilon: 9.99, value: 0.6, lower: null, upper: null },
  ]);
  const trace = figure.data[0] as Trace;
  assert.equal(trace.x, ['dp<br>ε = 9.99', 'plain<br>non-private']);
  assert.equal(trace.y, [0.6, 0.9]);
});

test.run();
