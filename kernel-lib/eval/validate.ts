/**
 * Input checks shared by the evaluation metrics. Binary metrics take labels that are exactly 0
 * (negative) or 1 (positive) and one score per example, `[numExamples]` each.
 */

/**
 * A binary metric of labels and scores, `[numExamples]` each, returning NaN when undefined. It must
 * not modify its inputs, because bootstrapDifference passes the same labels to two calls.
 */
export type BinaryMetric = (labels: Float64Array, scores: Float64Array) => number;

export interface ScoreCheck {
  /** Require every score in [0, 1], as calibration metrics do (default false: any finite score). */
  probabilities?: boolean;
  /** Parameter name of the scores in messages (default 'scores'). */
  scoresName?: string;
}

/**
 * Throws unless `labels` and `scores` are equally long, non-empty, labels are 0 or 1 and scores
 * are finite (and in [0, 1] with `probabilities`). The message starts with `functionName` and
 * names the first offending index and value.
 */
export function checkBinaryInput(
  functionName: string,
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  check: ScoreCheck = {},
): void {
  const scoresName = check.scoresName ?? 'scores';
  checkArrayLike(functionName, 'labels', labels);
  checkArrayLike(functionName, scoresName, scores);
  if (labels.length !== scores.length) {
    throw new Error(
      `${functionName}: \`labels\` and \`${scoresName}\` must have the same length, got ${labels.length} labels and ${scores.length} ${scoresName}`,
    );
  }
  if (labels.length === 0) {
    throw new Error(`${functionName}: needs at least one example, got empty \`labels\` and \`${scoresName}\``);
  }
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label !== 0 && label !== 1) {
      throw new Error(
        `${functionName}: \`labels\` must contain only 0 (negative) and 1 (positive), got ${label} at index ${i}; map class ids to 0/1 first`,
      );
    }
  }
  checkScores(functionName, scoresName, scores, check);
}

/** Throws unless every score is finite, and in [0, 1] with `probabilities`. */
export function checkScores(
  functionName: string,
  name: string,
  scores: ArrayLike<number>,
  check: ScoreCheck = {},
): void {
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i];
    if (typeof score !== 'number' || !Number.isFinite(score)) {
      throw new Error(`${functionName}: \`${name}\` must be finite numbers, got ${score} at index ${i}`);
    }
    if (check.probabilities && (score < 0 || score > 1)) {
      throw new Error(`${functionName}: \`${name}\` must be probabilities in [0, 1], got ${score} at index ${i}`);
    }
  }
}

/** Throws unless `value` is an array or typed array (anything with a numeric `length`). */
export function checkArrayLike(functionName: string, name: string, value: unknown): void {
  const length = (value as { length?: unknown } | null | undefined)?.length;
  if (value === null || typeof value !== 'object' || typeof length !== 'number') {
    throw new Error(`${functionName}: \`${name}\` must be an array or typed array, got ${describe(value)}`);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
