import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DesignMatrix, LogisticRegression } from '../../../kernel-lib/eval/tabular/logistic-regression';
import { Random } from '../../../kernel-lib/util/random';

function assertClose(actual: number, expected: number, tolerance: number, name: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${name}: expected ${expected} ± ${tolerance}, but got ${actual}`);
}

function matrix(rows: number[][]): DesignMatrix {
  return { data: Float64Array.from(rows.flat()), rows: rows.length, features: rows[0].length };
}

/** Rows of standard normal features and labels drawn from a logistic model with weights 1, -0.5, 0, … */
function randomProblem(seed: number, rows: number, features: number): { X: DesignMatrix; y: Float64Array } {
  const random = new Random(seed);
  const data = new Float64Array(rows * features);
  for (let k = 0; k < data.length; k++) data[k] = random.normal();
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const z = 0.3 + data[i * features] - 0.5 * data[i * features + 1];
    y[i] = random.uniform() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { X: { data, rows, features }, y };
}

/** Returns X^T (y - p) - l2 w per weight and sum (y - p), which are all 0 at the penalised optimum. */
function optimalityResiduals(X: DesignMatrix, y: Float64Array, model: LogisticRegression): { weights: number[]; intercept: number } {
  const p = model.predictProba(X);
  const weights = new Array<number>(X.features).fill(0);
  let intercept = 0;
  for (let i = 0; i < X.rows; i++) {
    intercept += y[i] - p[i];
    for (let j = 0; j < X.features; j++) weights[j] += X.data[i * X.features + j] * (y[i] - p[i]);
  }
  const w = model.weights as Float64Array;
  for (let j = 0; j < X.features; j++) weights[j] -= model.l2 * w[j];
  return { weights, intercept };
}

test('fit reaches a zero gradient', () => {
  const { X, y } = randomProblem(7, 60, 3);
  for (const l2 of [0.1, 1, 10]) {
    const model = new LogisticRegression({ l2 });
    const fit = model.fit(X, y);
    assert.ok(fit.converged, `l2 = ${l2} did not converge`);
    const residuals = optimalityResiduals(X, y, model);
    for (let j = 0; j < 3; j++) assertClose(residuals.weights[j], 0, 1e-8, `l2 = ${l2}, weight ${j}`);
    assertClose(residuals.intercept, 0, 1e-8, `l2 = ${l2}, intercept`);
  }
});

test('fit without penalty matches group rates', () => {
  // With one binary feature and l2 = 0 the maximum-likelihood fit reproduces the positive rate of
  // each group: 1 of 4 where x = 0 and 3 of 4 where x = 1, so b = logit(1/4) = -ln 3 and
  // w = logit(3/4) - logit(1/4) = 2 ln 3.
  const X = matrix([[0], [0], [0], [0], [1], [1], [1], [1]]);
  const y = [1, 0, 0, 0, 1, 1, 1, 0];
  const model = new LogisticRegression({ l2: 0 });
  model.fit(X, y);
  assertClose(model.intercept, -Math.log(3), 1e-10, 'intercept');
  assertClose((model.weights as Float64Array)[0], 2 * Math.log(3), 1e-10, 'weight');
  const p = model.predictProba(matrix([[0], [1]]));
  assertClose(p[0], 0.25, 1e-12, 'P(y = 1 | x = 0)');
  assertClose(p[1], 0.75, 1e-12, 'P(y = 1 | x = 1)');
});

test('separable data stays finite with l2', () => {
  const X = matrix([[-2], [-1], [1], [2]]);
  const y = Float64Array.from([0, 0, 1, 1]);
  const model = new LogisticRegression({ l2: 1 });
  const fit = model.fit(X, y);
  assert.ok(fit.converged);
  const w = (model.weights as Float64Array)[0];
  assert.ok(Number.isFinite(w), `weight ${w}`);
  assert.ok(w > 0, `weight ${w}`);
  // The data are symmetric under x -> -x with y -> 1 - y, so the optimum has b = 0.
  assertClose(model.intercept, 0, 1e-10, 'intercept');
  const residuals = optimalityResiduals(X, y, model);
  assertClose(residuals.weights[0], 0, 1e-8, 'gradient of the weight');
});

test('fit is deterministic', () => {
  const { X, y } = randomProblem(3, 40, 4);
  const first = new LogisticRegression();
  const second = new LogisticRegression();
  first.fit(X, y);
  second.fit(X, y);
  assert.equal(Array.from(first.weights as Float64Array), Array.from(second.weights as Float64Array));
  assert.is(first.intercept, second.intercept);
});

test('fit of 2400 rows by 200 features is fast', () => {
  const { X, y } = randomProblem(11, 2400, 200);
  const start = Date.now();
  const fit = new LogisticRegression().fit(X, y);
  const seconds = (Date.now() - start) / 1000;
  assert.ok(fit.converged);
  // About 0.5 s on a shared 2-core machine; the bound leaves room for a loaded machine.
  assert.ok(seconds < 5, `fit took ${seconds} s`);
});

test('fit rejects one class', () => {
  const model = new LogisticRegression();
  assert.throws(() => model.fit(matrix([[1], [2], [3]]), [1, 1, 1]), /cannot train: one class \(all 3 labels are 1\)/);
  assert.throws(() => model.fit(matrix([[1], [2]]), [0, 0]), /cannot train: one class \(all 2 labels are 0\)/);
});

test('fit rejects mismatched rows and labels', () => {
  assert.throws(() => new LogisticRegression().fit(matrix([[1], [2]]), [0, 1, 1]), /`X` has 2 rows but `y` has 3 labels/);
});

test('fit rejects labels other than 0 and 1', () => {
  assert.throws(() => new LogisticRegression().fit(matrix([[1], [2]]), [0, 2]), /`y` must contain only 0 and 1, got 2 at index 1/);
});

test('fit rejects NaN features', () => {
  assert.throws(() => new LogisticRegression().fit(matrix([[1], [NaN]]), [0, 1]), /`X` has NaN at row 1, feature 0; impute/);
});

test('fit rejects a wrong data length', () => {
  const X = { data: new Float64Array(5), rows: 2, features: 3 };
  assert.throws(() => new LogisticRegression().fit(X, [0, 1]), /`X.data` has 5 values, but rows × features = 2 × 3 = 6/);
});

test('fit without penalty rejects a zero feature', () => {
  const X = matrix([[0], [0], [0]]);
  assert.throws(() => new LogisticRegression({ l2: 0 }).fit(X, [0, 1, 0]), /the Hessian is not positive definite/);
});

test('options are validated', () => {
  assert.throws(() => new LogisticRegression({ l2: -1 }), /`l2` must be a finite number >= 0, got -1/);
  assert.throws(() => new LogisticRegression({ maxIterations: 0 }), /`maxIterations` must be a positive integer, got 0/);
  assert.throws(() => new LogisticRegression({ tolerance: 0 }), /`tolerance` must be a finite number > 0, got 0/);
});

test('predictProba needs a fitted model', () => {
  assert.throws(() => new LogisticRegression().predictProba(matrix([[1]])), /the model is not fitted; call fit/);
});

test('predictProba rejects a different feature count', () => {
  const model = new LogisticRegression();
  model.fit(matrix([[1], [2]]), [0, 1]);
  assert.throws(() => model.predictProba(matrix([[1, 2]])), /`X` has 2 features, but the model was fitted on 1/);
});

test.run();
