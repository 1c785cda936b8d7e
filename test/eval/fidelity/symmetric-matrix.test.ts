import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { multiplySquare, reconstruct, symmetricEigen, symmetricSqrt } from '../../../kernel-lib/eval/fidelity/symmetric-matrix';
import { Random } from '../../../kernel-lib/util/random';

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i] - expected[i]);
    assert.ok(error <= tolerance, `${what}[${i}]: expected ${expected[i]}, got ${actual[i]} (error ${error} > ${tolerance})`);
  }
}

/** Returns a seeded symmetric matrix with entries in [−1, 1]. */
function randomSymmetric(size: number, seed: number): Float64Array {
  const rng = new Random(seed);
  const out = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = i; j < size; j++) {
      const value = 2 * rng.uniform() - 1;
      out[i * size + j] = value;
      out[j * size + i] = value;
    }
  }
  return out;
}

test('sqrt of [[5, 4], [4, 5]] is [[2, 1], [1, 2]]', () => {
  // Eigenvalues 9 and 1 with eigenvectors (1, 1)/√2 and (1, −1)/√2, so the root has 3 and 1.
  assertClose(symmetricSqrt([5, 4, 4, 5], 2), [2, 1, 1, 2], 1e-14, 'sqrt');
});

test('sqrt of B² recovers a positive definite B', () => {
  // B is strictly diagonally dominant, so positive definite; its PSD root of B² is B itself.
  const b = Float64Array.from([2, 1, 0, 1, 3, 1, 0, 1, 4]);
  assertClose(symmetricSqrt(multiplySquare(b, b, 3), 3), b, 1e-13, 'sqrt(B²)');
});

test('sqrt of a singular matrix squares back to it', () => {
  // [[1, 1], [1, 1]] has eigenvalues 2 and 0: its root is the matrix divided by √2.
  const root = symmetricSqrt([1, 1, 1, 1], 2);
  assertClose(root, [Math.SQRT1_2, Math.SQRT1_2, Math.SQRT1_2, Math.SQRT1_2], 1e-15, 'sqrt');
  assertClose(multiplySquare(root, root, 2), [1, 1, 1, 1], 1e-15, 'root²');
});

test('eigenpairs rebuild the matrix', () => {
  const size = 7;
  const matrix = randomSymmetric(size, 11);
  const { values, vectors } = symmetricEigen(matrix, size);
  assertClose(reconstruct(vectors, values, size), matrix, 1e-13, 'V diag(λ) Vᵀ');
});

test('eigenvectors are orthonormal', () => {
  const size = 7;
  const { vectors } = symmetricEigen(randomSymmetric(size, 12), size);
  const gram = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      for (let k = 0; k < size; k++) gram[i * size + j] += vectors[k * size + i] * vectors[k * size + j];
    }
  }
  const identity = Float64Array.from({ length: size * size }, (_, i) => (i % (size + 1) === 0 ? 1 : 0));
  assertClose(gram, identity, 1e-13, 'VᵀV');
});

test('eigenvalues are increasing', () => {
  const { values } = symmetricEigen(randomSymmetric(9, 13), 9);
  for (let i = 1; i < values.length; i++) assert.ok(values[i - 1] <= values[i], `expected increasing eigenvalues, got ${values[i - 1]} before ${values[i]}`);
});

test('diagonal matrix takes no sweep', () => {
  const { values, sweeps } = symmetricEigen([3, 0, 0, 0, -1, 0, 0, 0, 2], 3);
  assert.equal(Array.from(values), [-1, 2, 3]);
  assert.is(sweeps, 0);
});

test('eigen rejects a non-symmetric matrix', () => {
  assert.throws(() => symmetricEigen([1, 2, 3, 4], 2), /symmetricEigen: the matrix is not symmetric: entry \(0, 1\) is 2 but \(1, 0\) is 3/);
});

test('eigen rejects a wrong length', () => {
  assert.throws(() => symmetricEigen([1, 2, 3], 2), /a 2 × 2 matrix needs 4 values, got 3/);
});

test.run();
