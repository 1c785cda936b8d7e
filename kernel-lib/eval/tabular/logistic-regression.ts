/**
 * L2-regularised logistic regression fitted by Newton's method (iteratively reweighted least
 * squares) in float64. The fit minimises
 *   J(b, w) = sum_i [log(1 + exp(z_i)) - y_i z_i] + (l2 / 2) ||w||^2,   z_i = b + x_i · w,
 * with the intercept b unpenalised. scikit-learn's L2 objective C sum_i loss_i + ||w||^2 / 2 divided
 * by C is the same, so l2 = 1 / C for its solvers that leave the intercept unpenalised; its
 * 'liblinear' solver penalises the intercept as a synthetic feature, so results differ there.
 * At the optimum X^T (y - p) - l2 w = 0 and sum_i (y_i - p_i) = 0.
 * Deterministic: no random initialisation and no data order dependence beyond float rounding.
 */
import { log } from '../../util/log';

/** A row-major design matrix `[rows, features]` in float64. */
export interface DesignMatrix {
  data: Float64Array;
  rows: number;
  features: number;
}

export interface LogisticRegressionOptions {
  /** L2 penalty strength on the weights (not the intercept), >= 0. Default 1. */
  l2?: number;
  /** Maximum number of Newton steps. Default 50. */
  maxIterations?: number;
  /** The fit stops when no parameter moves by more than this in one Newton step. Default 1e-8. */
  tolerance?: number;
}

/** Outcome of a fit. */
export interface LogisticRegressionFit {
  /** Newton steps taken. */
  iterations: number;
  /** True when the last step moved every parameter by at most `tolerance`. */
  converged: boolean;
  /** Penalised negative log-likelihood J at the returned parameters. */
  objective: number;
}

/** Halvings of a Newton step before the fit gives up on lowering J; 2^-30 of a step is below float noise. */
const MAX_STEP_HALVINGS = 30;

export class LogisticRegression {
  readonly l2: number;
  readonly maxIterations: number;
  readonly tolerance: number;
  /** Weights `[features]`, or null before `fit`. */
  weights: Float64Array | null = null;
  intercept = 0;

  constructor(options: LogisticRegressionOptions = {}) {
    const { l2 = 1.0, maxIterations = 50, tolerance = 1e-8 } = options;
    if (typeof l2 !== 'number' || !Number.isFinite(l2) || l2 < 0) {
      throw new Error(`LogisticRegression: \`l2\` must be a finite number >= 0, got ${l2}`);
    }
    if (!Number.isSafeInteger(maxIterations) || maxIterations < 1) {
      throw new Error(`LogisticRegression: \`maxIterations\` must be a positive integer, got ${maxIterations}`);
    }
    if (typeof tolerance !== 'number' || !(tolerance > 0) || !Number.isFinite(tolerance)) {
      throw new Error(`LogisticRegression: \`tolerance\` must be a finite number > 0, got ${tolerance}`);
    }
    this.l2 = l2;
    this.maxIterations = maxIterations;
    this.tolerance = tolerance;
  }

  /**
   * Fits intercept and weights to `X` and labels `y` (`[rows]`, 0 or 1, both classes present).
   * Each Newton step solves H d = -g by Cholesky, with H = A^T S A + l2 I' for A = [1 | X],
   * S = diag(p (1 - p)) and I' the identity without its intercept entry, and halves d until J
   * does not increase. Each step costs about rows · features^2 / 2 multiply-adds for H and
   * features^3 / 6 for the Cholesky factorisation.
   */
  fit(X: DesignMatrix, y: ArrayLike<number>): LogisticRegressionFit {
    checkDesignMatrix('LogisticRegression.fit', X);
    checkLabels(X, y);
    const { data, rows, features } = X;
    const size = features + 1;

    // Parameters theta = [b, w_1 … w_features]. Start at w = 0 and b = logit(mean y), which is
    // the optimum of J when all weights are 0.
    let positives = 0;
    for (let i = 0; i < rows; i++) positives += y[i];
    const theta = new Float64Array(size);
    theta[0] = Math.log(positives / (rows - positives));

    const z = new Float64Array(rows);
    linearPredictor(X, theta, z);
    let objective = penalisedLoss(z, y, theta, this.l2);

    // A^T in column-major order, `[size, rows]`: row j of `columns` is feature j - 1 over all
    // rows, and row 0 is the intercept's ones. Hessian entries become contiguous dot products.
    const columns = new Float64Array(size * rows);
    columns.fill(1, 0, rows);
    for (let i = 0; i < rows; i++) {
      const offset = i * features;
      for (let j = 0; j < features; j++) columns[(j + 1) * rows + i] = data[offset + j];
    }

    const gradient = new Float64Array(size);
    const hessian = new Float64Array(size * size);
    const residual = new Float64Array(rows);
    const curvature = new Float64Array(rows);
    const weightedColumn = new Float64Array(rows);
    const candidate = new Float64Array(size);
    const candidateZ = new Float64Array(rows);
    let iterations = 0;
    let converged = false;

    while (iterations < this.maxIterations) {
      iterations++;
      for (let i = 0; i < rows; i++) {
        const p = sigmoid(z[i]);
        residual[i] = p - y[i];
        curvature[i] = p * (1 - p);
      }
      // g_j = sum_i (p_i - y_i) A_ij and H_jk = sum_i s_i A_ij A_ik, upper triangle then mirrored.
      for (let j = 0; j < size; j++) {
        const columnJ = j * rows;
        let gradientSum = 0;
        for (let i = 0; i < rows; i++) {
          gradientSum += residual[i] * columns[columnJ + i];
          weightedColumn[i] = curvature[i] * columns[columnJ + i];
        }
        gradient[j] = gradientSum;
        hessianRow(weightedColumn, columns, rows, size, j, hessian);
      }
      for (let j = 0; j < size; j++) {
        for (let k = j + 1; k < size; k++) hessian[k * size + j] = hessian[j * size + k];
      }
      for (let j = 1; j < size; j++) {
        gradient[j] += this.l2 * theta[j];
        hessian[j * size + j] += this.l2;
      }

      if (!choleskyInPlace(hessian, size)) {
        throw new Error(
          `LogisticRegression.fit: the Hessian is not positive definite at step ${iterations} (${features} features, l2 = ${this.l2}); ` +
            'features are collinear or the classes are separable, so use l2 > 0 or remove redundant features',
        );
      }
      const step = choleskySolve(hessian, size, gradient);
      for (let j = 0; j < size; j++) step[j] = -step[j];

      // Backtracking: Newton's full step can overshoot when p saturates, so halve it until J falls.
      let scale = 1;
      let accepted = false;
      for (let halving = 0; halving <= MAX_STEP_HALVINGS; halving++) {
        for (let j = 0; j < size; j++) candidate[j] = theta[j] + scale * step[j];
        linearPredictor(X, candidate, candidateZ);
        const candidateObjective = penalisedLoss(candidateZ, y, candidate, this.l2);
        if (candidateObjective <= objective) {
          accepted = true;
          objective = candidateObjective;
          break;
        }
        scale /= 2;
      }

      let maxMove = 0;
      if (accepted) {
        for (let j = 0; j < size; j++) maxMove = Math.max(maxMove, Math.abs(candidate[j] - theta[j]));
        theta.set(candidate);
        z.set(candidateZ);
      }
      // No decrease even for a tiny step means J is at its minimum within rounding.
      if (!accepted || maxMove <= this.tolerance) {
        converged = true;
        break;
      }
    }

    if (!converged) {
      log.warn(
        `LogisticRegression.fit: did not converge in ${this.maxIterations} Newton steps (${rows} rows, ${features} features, l2 = ${this.l2}); ` +
          'the weights are from the last step, so raise maxIterations or l2 if this repeats',
      );
    }
    this.intercept = theta[0];
    this.weights = theta.slice(1);
    return { iterations, converged, objective };
  }

  /** Returns P(y = 1 | x) for each row of `X`, `[rows]`. */
  predictProba(X: DesignMatrix): Float64Array {
    if (this.weights === null) {
      throw new Error('LogisticRegression.predictProba: the model is not fitted; call fit(X, y) first');
    }
    checkDesignMatrix('LogisticRegression.predictProba', X);
    if (X.features !== this.weights.length) {
      throw new Error(
        `LogisticRegression.predictProba: \`X\` has ${X.features} features, but the model was fitted on ${this.weights.length}; encode both with the same encoder`,
      );
    }
    const theta = new Float64Array(X.features + 1);
    theta[0] = this.intercept;
    theta.set(this.weights, 1);
    const z = new Float64Array(X.rows);
    linearPredictor(X, theta, z);
    for (let i = 0; i < X.rows; i++) z[i] = sigmoid(z[i]);
    return z;
  }
}

/** Throws unless `X` is a design matrix with `rows × features` finite values. */
export function checkDesignMatrix(functionName: string, X: DesignMatrix): void {
  if (X === null || typeof X !== 'object' || !(X.data instanceof Float64Array)) {
    throw new Error(`${functionName}: \`X\` must be a design matrix { data: Float64Array, rows, features }`);
  }
  const { data, rows, features } = X;
  if (!Number.isSafeInteger(rows) || rows < 0 || !Number.isSafeInteger(features) || features < 0) {
    throw new Error(`${functionName}: \`X.rows\` and \`X.features\` must be non-negative integers, got ${rows} and ${features}`);
  }
  if (data.length !== rows * features) {
    throw new Error(
      `${functionName}: \`X.data\` has ${data.length} values, but rows × features = ${rows} × ${features} = ${rows * features}`,
    );
  }
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k])) {
      const row = Math.floor(k / features);
      throw new Error(
        `${functionName}: \`X\` has ${data[k]} at row ${row}, feature ${k - row * features}; impute missing values before fitting`,
      );
    }
  }
}

function checkLabels(X: DesignMatrix, y: ArrayLike<number>): void {
  if (y === null || typeof y !== 'object' || typeof y.length !== 'number') {
    throw new Error('LogisticRegression.fit: `y` must be an array or typed array of 0/1 labels');
  }
  if (y.length !== X.rows) {
    throw new Error(`LogisticRegression.fit: \`X\` has ${X.rows} rows but \`y\` has ${y.length} labels; pass one label per row`);
  }
  let positives = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 0 && y[i] !== 1) {
      throw new Error(`LogisticRegression.fit: \`y\` must contain only 0 and 1, got ${y[i]} at index ${i}`);
    }
    positives += y[i];
  }
  if (positives === 0 || positives === y.length) {
    throw new Error(
      `LogisticRegression.fit: cannot train: one class (all ${y.length} labels are ${positives === 0 ? 0 : 1}); ` +
        'the training rows need at least one row of each class',
    );
  }
}

/** Writes z_i = theta_0 + x_i · theta_{1…} into `out`, `[rows]`. */
function linearPredictor(X: DesignMatrix, theta: Float64Array, out: Float64Array): void {
  const { data, rows, features } = X;
  for (let i = 0; i < rows; i++) {
    let sum = theta[0];
    const offset = i * features;
    for (let j = 0; j < features; j++) sum += data[offset + j] * theta[j + 1];
    out[i] = sum;
  }
}

/** J = sum_i [softplus(z_i) - y_i z_i] + (l2 / 2) ||w||^2, with softplus(z) = log(1 + e^z) computed without overflow. */
function penalisedLoss(z: Float64Array, y: ArrayLike<number>, theta: Float64Array, l2: number): number {
  let loss = 0;
  for (let i = 0; i < z.length; i++) {
    const zi = z[i];
    loss += Math.max(zi, 0) + Math.log1p(Math.exp(-Math.abs(zi))) - y[i] * zi;
  }
  let squaredNorm = 0;
  for (let j = 1; j < theta.length; j++) squaredNorm += theta[j] * theta[j];
  return loss + 0.5 * l2 * squaredNorm;
}

/**
 * Writes H_jk = sum_i weighted_i A_ik for k = j … size-1 into row j of `hessian`. Four columns
 * share each read of `weighted`, which roughly halves the time of one dot product at a time.
 */
function hessianRow(weighted: Float64Array, columns: Float64Array, rows: number, size: number, j: number, hessian: Float64Array): void {
  let k = j;
  for (; k + 3 < size; k += 4) {
    const o0 = k * rows;
    const o1 = o0 + rows;
    const o2 = o1 + rows;
    const o3 = o2 + rows;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = 0; i < rows; i++) {
      const w = weighted[i];
      s0 += w * columns[o0 + i];
      s1 += w * columns[o1 + i];
      s2 += w * columns[o2 + i];
      s3 += w * columns[o3 + i];
    }
    hessian[j * size + k] = s0;
    hessian[j * size + k + 1] = s1;
    hessian[j * size + k + 2] = s2;
    hessian[j * size + k + 3] = s3;
  }
  for (; k < size; k++) {
    const offset = k * rows;
    let sum = 0;
    for (let i = 0; i < rows; i++) sum += weighted[i] * columns[offset + i];
    hessian[j * size + k] = sum;
  }
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * Overwrites the lower triangle of the symmetric `n × n` matrix `a` (row-major) with L, where
 * a = L L^T. Returns false when a pivot is not positive, so `a` is not positive definite.
 */
function choleskyInPlace(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    let diagonal = a[rowJ + j];
    for (let k = 0; k < j; k++) diagonal -= a[rowJ + k] * a[rowJ + k];
    if (!(diagonal > 0)) return false;
    const pivot = Math.sqrt(diagonal);
    a[rowJ + j] = pivot;
    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      let sum = a[rowI + j];
      for (let k = 0; k < j; k++) sum -= a[rowI + k] * a[rowJ + k];
      a[rowI + j] = sum / pivot;
    }
  }
  return true;
}

/** Solves L L^T x = b for x, with L in the lower triangle of `l` as `choleskyInPlace` leaves it. */
function choleskySolve(l: Float64Array, n: number, b: Float64Array): Float64Array {
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    let sum = x[i];
    for (let k = 0; k < i; k++) sum -= l[i * n + k] * x[k];
    x[i] = sum / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let sum = x[i];
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i] * x[k];
    x[i] = sum / l[i * n + i];
  }
  return x;
}
