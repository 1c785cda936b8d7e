import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { evaluateArms, SeedPredictions } from '../../kernel-lib/experiment/evaluate-arms';

/** Probability rows [p(class 0), p(class 1)] from positive-class scores. */
function rows(scores: number[]): number[] {
  return scores.flatMap((p) => [1 - p, p]);
}

const VALIDATION_LABELS = Int32Array.from([0, 0, 0, 1, 1, 1]);
const TEST_LABELS = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1]);

function seed(seedValue: number, validation: number[], testScores: number[]): SeedPredictions {
  return { seed: seedValue, validation: rows(validation), test: rows(testScores) };
}

function evaluate(arms: { arm: string; seeds: SeedPredictions[] }[]) {
  return evaluateArms({
    arms,
    referenceArm: 'real-only',
    validationLabels: VALIDATION_LABELS,
    testLabels: TEST_LABELS,
    numClasses: 2,
    positiveClass: 1,
    resamples: 200,
    eceBins: 10,
    seed: 3,
  });
}

test('threshold comes from validation, not test', () => {
  // Youden's J on validation is maximal at threshold 0.6 (all positives >= 0.6, no negative).
  // On test, 0.55 would separate perfectly, but the arm must keep 0.6: the positive at 0.55 is missed.
  const [result] = evaluate([{ arm: 'real-only', seeds: [seed(0, [0.1, 0.2, 0.3, 0.6, 0.7, 0.8], [0.1, 0.2, 0.3, 0.4, 0.55, 0.7, 0.8, 0.9])] }]);
  assert.is(result.perSeed[0].threshold, 0.6);
  assert.is(result.metrics.sensitivity.value, 0.75);
  assert.is(result.metrics.specificity.value, 1);
  assert.is(result.metrics.auroc.value, 1);
});

test('arm value is the mean over seeds', () => {
  const [result] = evaluate([
    {
      arm: 'real-only',
      seeds: [
        seed(0, [0.1, 0.2, 0.3, 0.6, 0.7, 0.8], [0.1, 0.2, 0.3, 0.4, 0.55, 0.7, 0.8, 0.9]),
        seed(1, [0.1, 0.2, 0.3, 0.5, 0.7, 0.8], [0.1, 0.2, 0.3, 0.4, 0.55, 0.7, 0.8, 0.9]),
      ],
    },
  ]);
  // Seed 0 keeps threshold 0.6 (sensitivity 0.75); seed 1 gets 0.5 (sensitivity 1).
  assert.equal(result.perSeed.map((s) => s.metrics.sensitivity), [0.75, 1]);
  assert.is(result.metrics.sensitivity.value, 0.875);
  assert.ok(Math.abs(result.seedStd.sensitivity - Math.sqrt(0.03125)) < 1e-12, `expected std √0.03125, got ${result.seedStd.sensitivity}`);
});

test('identical arms differ by exactly zero', () => {
  const predictions = [seed(0, [0.1, 0.4, 0.3, 0.6, 0.2, 0.8], [0.3, 0.2, 0.6, 0.4, 0.55, 0.1, 0.8, 0.9])];
  const [, other] = evaluate([
    { arm: 'real-only', seeds: predictions },
    { arm: 'oversampling', seeds: predictions },
  ]);
  const difference = other.differenceFromReference?.auroc;
  assert.ok(difference, 'difference recorded');
  assert.is(difference?.value, 0);
  assert.is(difference?.lower, 0);
  assert.is(difference?.upper, 0);
});

test('interval contains the value', () => {
  const [result] = evaluate([{ arm: 'real-only', seeds: [seed(0, [0.1, 0.4, 0.3, 0.6, 0.2, 0.8], [0.3, 0.2, 0.6, 0.4, 0.55, 0.1, 0.8, 0.9])] }]);
  const { value, lower, upper } = result.metrics.auroc;
  assert.ok(lower <= value, `expected lower bound ${lower} <= ${value}`);
  assert.ok(value <= upper, `expected ${value} <= upper bound ${upper}`);
});

test('arm without classifiers is rejected', () => {
  assert.throws(() => evaluate([{ arm: 'real-only', seeds: [] }]), /arm 'real-only' has no trained classifiers/);
});

test.run();
