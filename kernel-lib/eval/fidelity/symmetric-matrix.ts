/**
 * Eigendecomposition and square root of real symmetric matrices in float64, by the cyclic
 * Jacobi method (Golub and Van Loan, Matrix Computations, 4th ed., section 8.5). Each
 * rotation zeroes one off-diagonal pair; a sweep visits every pair once, and sweeps repeat
 * until the off-diagonal mass is negligible. Convergence is quadratic once the matrix is
 * nearly diagonal, so a 64 × 64 covariance takes about 8 sweeps. The cost is O(size³) per
 * sweep, which suits the matrices of this module (size ≤ 256), not large ones.
 *
 * Matrices are row-major `[size, size]` Float64Arrays.
 */
import { log } from '../../util/log';

/** Eigenvalues in increasing order with their orthonormal eigenvectors. */
export interface SymmetricEigen {
  /** `[size]`, increasing. */
  values: Float64Array;
  /** `[size, size]` row-major, and column j is the unit eigenvector of `values[j]`. */
  vectors: Float64Array;
  /** Jacobi sweeps taken. */
  sweeps: number;
}

const MAX_SWEEPS = 60;

/** Relative asymmetry |a_ij − a_ji| / max|a| accepted as float rounding. */
const SYMMETRY_TOLERANCE = 1e-10;

/**
 * Eigenvalues at or above −EIGENVALUE_TOLERANCE × the largest |eigenvalue| count as rounding
 * of a positive semidefinite matrix: they are clamped at 0 with a debug log only.
 */
const EIGENVALUE_TOLERANCE = 1e-9;

function checkSymmetric(caller: string, matrix: ArrayLike<number>, size: number): void {
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new Error(`${caller}: \`size\` must be a positive integer, got ${size}`);
  }
  if (matrix.length !== size * size) {
    throw new Error(`${caller}: a ${size} × ${size} matrix needs ${size * size} values, got ${matrix.length}`);
  }
  let scale = 0;
  for (let i = 0; i < matrix.length; i++) {
    if (!Number.isFinite(matrix[i])) {
      throw new Error(`${caller}: entry (${Math.floor(i / size)}, ${i % size}) is ${matrix[i]}; the matrix must be finite`);
    }
    scale = Math.max(scale, Math.abs(matrix[i]));
  }
  for (let i = 0; i < size; i++) {
    for (let j = i + 1; j < size; j++) {
      const difference = Math.abs(matrix[i * size + j] - matrix[j * size + i]);
      if (difference > SYMMETRY_TOLERANCE * scale) {
        throw new Error(
          `${caller}: the matrix is not symmetric: entry (${i}, ${j}) is ${matrix[i * size + j]} but (${j}, ${i}) is ${matrix[j * size + i]}; ` +
            'pass a symmetric matrix such as a covariance',
        );
      }
    }
  }
}

/**
 * Computes the eigenvalues and eigenvectors of the symmetric matrix `matrix`
 * (`[size, size]`, row-major) by cyclic Jacobi rotations. Throws for a non-symmetric or
 * non-finite matrix, or when 60 sweeps do not converge.
 */
export function symmetricEigen(matrix: ArrayLike<number>, size: number): SymmetricEigen {
  checkSymmetric('symmetricEigen', matrix, size);
  const n = size;
  // Work on the average of the matrix and its transpose, so both triangles agree exactly.
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) a[i * n + j] = 0.5 * (matrix[i * n + j] + matrix[j * n + i]);
  }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;

  let total = 0;
  for (let i = 0; i < a.length; i++) total += a[i] * a[i];
  // Stop when the off-diagonal mass is below the float64 rounding of the whole matrix.
  const offLimit = Number.EPSILON * Number.EPSILON * total;

  let sweeps = 0;
  let previousOff = Infinity;
  for (;;) {
    let off = 0;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) off += 2 * a[p * n + q] * a[p * n + q];
    }
    // Each exact rotation lowers the off-diagonal mass by 2 a_pq², so a sweep that does not
    // lower it has reached the rounding floor.
    if (off <= offLimit || off >= previousOff) break;
    previousOff = off;
    if (sweeps === MAX_SWEEPS) {
      throw new Error(`symmetricEigen: no convergence after ${MAX_SWEEPS} Jacobi sweeps (off-diagonal mass ${off} of ${total}); check the matrix for extreme values`);
    }
    sweeps++;

    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;

        // 1. Rotation angle: t = tan φ is the smaller root of t² + 2θt − 1 = 0 with
        //    θ = (a_qq − a_pp) / (2 a_pq), the choice that makes a'_pq = 0 with |φ| ≤ π/4.
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.hypot(theta, 1));
        const c = 1 / Math.hypot(t, 1);
        const s = t * c;

        // 2. A ← Jᵀ A J, where J is the identity except J_pp = J_qq = c, J_pq = s, J_qp = −s:
        //    first the columns p and q, then the rows p and q.
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        a[p * n + q] = 0;
        a[q * n + p] = 0;

        // 3. V ← V J accumulates the eigenvectors as columns.
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }

  // Sort eigenpairs by increasing eigenvalue.
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[i * n + i] - a[j * n + j]);
  const values = Float64Array.from(order, (i) => a[i * n + i]);
  const vectors = new Float64Array(n * n);
  for (let column = 0; column < n; column++) {
    for (let k = 0; k < n; k++) vectors[k * n + column] = v[k * n + order[column]];
  }
  return { values, vectors, sweeps };
}

/**
 * Clamps negative eigenvalues of a matrix that should be positive semidefinite at 0, in place,
 * and returns how many were clamped. Values within rounding of 0 are logged at debug level.
 * Larger negative values mean the matrix was not positive semidefinite, and are logged as a
 * warning that names `caller`.
 */
export function clampNegativeEigenvalues(caller: string, values: Float64Array): number {
  let largest = 0;
  for (const value of values) largest = Math.max(largest, Math.abs(value));
  let clamped = 0;
  let mostNegative = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] >= 0) continue;
    mostNegative = Math.min(mostNegative, values[i]);
    values[i] = 0;
    clamped++;
  }
  if (clamped === 0) return 0;
  const message = `${caller}: clamped ${clamped} negative eigenvalue(s) at 0 (most negative ${mostNegative.toExponential(3)}, largest |eigenvalue| ${largest.toExponential(3)})`;
  if (mostNegative < -EIGENVALUE_TOLERANCE * largest) log.warn(`${message}; the matrix is not positive semidefinite`);
  else log.debug(message);
  return clamped;
}

/**
 * Computes the symmetric positive semidefinite square root S^½ = V diag(√λ) Vᵀ of the
 * symmetric positive semidefinite matrix S (`[size, size]`, row-major), so that
 * S^½ S^½ = S. Negative eigenvalues are clamped at 0 (see `clampNegativeEigenvalues`).
 */
export function symmetricSqrt(matrix: ArrayLike<number>, size: number): Float64Array {
  const { values, vectors } = symmetricEigen(matrix, size);
  clampNegativeEigenvalues('symmetricSqrt', values);
  return reconstruct(vectors, values.map(Math.sqrt), size);
}

/** Computes V diag(d) Vᵀ for `vectors` V and `diagonal` d, `[size, size]`, symmetric by construction. */
export function reconstruct(vectors: Float64Array, diagonal: Float64Array, size: number): Float64Array {
  const n = size;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += vectors[i * n + k] * diagonal[k] * vectors[j * n + k];
      out[i * n + j] = sum;
      out[j * n + i] = sum;
    }
  }
  return out;
}

/** Multiplies two `[size, size]` row-major matrices. */
export function multiplySquare(a: Float64Array, b: Float64Array, size: number): Float64Array {
  const n = size;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += aik * b[k * n + j];
    }
  }
  return out;
}
