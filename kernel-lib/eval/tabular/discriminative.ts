/**
 * Discriminative score of synthetic tables: how well an L2 logistic regression distinguishes real rows
 * (label 1) from synthetic rows (label 0) under stratified k-fold cross-validation. Score
 * |accuracy - 0.5| is 0 when the classifier does no better than chance and 0.5 when it separates
 * the two sets perfectly.
 *
 * NOTE: a synthetic set that copies real rows scores above 0, with accuracy below 0.5. The
 * fold's real rows are absent from the training real rows while their copies remain in the
 * training synthetic rows, so the model learns to call them synthetic. A rough estimate of the
 * expected accuracy for exact copies is Phi(-sqrt(2 d k / n) / 2) for d features, k folds and
 * n rows per class (about 0.42 for d = 3, k = 5, n = 200). Read accuracy clearly below 0.5
 * as a sign of copied rows, not of poor fidelity.
 */
import { auroc as computeAuroc } from '../roc';
import { Random } from '../../util/random';
import { fitTableEncoder } from './encoder';
import { LogisticRegression } from './logistic-regression';
import { Table, checkSchema, checkTable, concatRows, selectRows, tableSchema } from './table';

export interface DiscriminativeOptions {
  /** Number of cross-validation folds, an integer >= 2. Default 5. */
  folds?: number;
  /** Seed of the subsampling and fold assignment. */
  seed: number;
  /** L2 penalty of the logistic regression. Default 1. */
  l2?: number;
}

export interface DiscriminativeResult {
  /** Fraction of out-of-fold rows classified correctly, predicting real when P(real) >= 0.5. */
  accuracy: number;
  /** |accuracy - 0.5|, in [0, 0.5]. */
  score: number;
  /** AUROC of the pooled out-of-fold P(real). */
  auroc: number;
  folds: number;
  /** Rows used from each set: the smaller set's size. */
  rowsPerClass: number;
}

/**
 * Balances the two sets by subsampling the larger one without replacement to the smaller one's
 * size, assigns folds separately within each class, and scores each fold with a logistic regression and encoder
 * fitted on the other folds only.
 */
export function discriminativeScore(real: Table, synthetic: Table, options: DiscriminativeOptions): DiscriminativeResult {
  const functionName = 'discriminativeScore';
  checkTable(functionName, 'real', real);
  checkTable(functionName, 'synthetic', synthetic);
  checkSchema(functionName, 'synthetic', synthetic, '`real`', tableSchema(real));
  if (options === null || typeof options !== 'object') {
    throw new Error(`${functionName}: \`options\` must be { folds?, seed, l2? }, got ${options}`);
  }
  const { folds = 5, seed, l2 = 1.0 } = options;
  if (!Number.isSafeInteger(folds) || folds < 2) {
    throw new Error(`${functionName}: \`folds\` must be an integer >= 2, got ${folds}`);
  }
  if (!Number.isSafeInteger(seed)) {
    throw new Error(`${functionName}: \`seed\` must be an integer, got ${seed}; pass a fixed seed so the score is reproducible`);
  }
  const rowsPerClass = Math.min(real.rows, synthetic.rows);
  if (rowsPerClass < folds) {
    throw new Error(
      `${functionName}: needs at least ${folds} rows in each table for ${folds} folds, got ${real.rows} real and ${synthetic.rows} synthetic rows; ` +
        'pass more rows or fewer folds',
    );
  }

  const random = new Random(seed);
  const realRows = subsample(random, real.rows, rowsPerClass);
  const syntheticRows = subsample(random, synthetic.rows, rowsPerClass);
  // Rows 0 … rowsPerClass-1 are real (label 1), the rest synthetic (label 0).
  const pooled = concatRows(selectRows(real, realRows), selectRows(synthetic, syntheticRows));
  const labels = new Float64Array(2 * rowsPerClass);
  labels.fill(1, 0, rowsPerClass);

  // Stratified folds: each class is shuffled and dealt round-robin, so every fold contains
  // floor or ceil of rowsPerClass / folds rows of each class.
  const foldOf = new Int32Array(2 * rowsPerClass);
  for (const start of [0, rowsPerClass]) {
    const order = random.permutation(rowsPerClass);
    for (let k = 0; k < rowsPerClass; k++) foldOf[start + order[k]] = k % folds;
  }

  const probabilities = new Float64Array(2 * rowsPerClass);
  for (let fold = 0; fold < folds; fold++) {
    const trainRows: number[] = [];
    const testRows: number[] = [];
    for (let r = 0; r < foldOf.length; r++) (foldOf[r] === fold ? testRows : trainRows).push(r);

    const trainTable = selectRows(pooled, trainRows);
    const encoder = fitTableEncoder(trainTable);
    const model = new LogisticRegression({ l2 });
    model.fit(encoder.encode(trainTable), Float64Array.from(trainRows, (r) => labels[r]));
    const foldProbabilities = model.predictProba(encoder.encode(selectRows(pooled, testRows)));
    testRows.forEach((r, k) => {
      probabilities[r] = foldProbabilities[k];
    });
  }

  let correct = 0;
  for (let r = 0; r < labels.length; r++) {
    const predicted = probabilities[r] >= 0.5 ? 1 : 0;
    if (predicted === labels[r]) correct++;
  }
  const accuracy = correct / labels.length;
  return {
    accuracy,
    score: Math.abs(accuracy - 0.5),
    auroc: computeAuroc(labels, probabilities).value,
    folds,
    rowsPerClass,
  };
}

/** Returns `size` distinct row indices of 0 … rows-1 drawn without replacement, ascending; all rows when size equals rows. */
function subsample(random: Random, rows: number, size: number): Int32Array {
  if (size === rows) return Int32Array.from({ length: rows }, (_, r) => r);
  return random.permutation(rows).slice(0, size).sort();
}
