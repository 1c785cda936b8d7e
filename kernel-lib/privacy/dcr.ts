/**
 * Distance to closest record (DCR): how close synthetic records lie to the training records,
 * judged against how close real records that were not trained on (a holdout set) lie to them.
 * Synthetic records that sit much closer to training records than holdout records do suggest
 * memorised copies.
 * NOTE: the converse does not hold. Synthetic data can pass a DCR comparison and still leak
 * membership ("The DCR Delusion: Measuring the Privacy Risk of Synthetic Data",
 * arXiv:2505.01524), so judge a release with the membership inference attacks as well.
 */
import { NeighbourSearchOptions, findNearestNeighbours, findNearestNeighboursWithin } from './nearest-neighbours';
import { percentiles } from './percentile';
import {
  FeatureSpaceDescription,
  RecordSet,
  checkDisjoint,
  checkFeatureSpaceDescription,
  checkMinimumRecords,
  checkRecordSet,
  checkSameFeatureCount,
} from './records';

export interface DcrRequest extends FeatureSpaceDescription {
  training: RecordSet;
  synthetic: RecordSet;
  /** Real records from the training population that were not trained on; gives the baseline. */
  holdout?: RecordSet;
  /**
   * Percentile (0-100) of the within-training nearest-neighbour distances at or below which a
   * record counts as a near copy (default 5). The 5th percentile rests on more pairs than the
   * 1st: with 100 training records the 1st percentile depends on the two smallest distances only.
   */
  nearCopyPercentile?: number;
  /** A fixed near-copy distance in feature units; replaces `nearCopyPercentile` when given. */
  nearCopyThreshold?: number;
  /** Block sizes of the nearest-neighbour search. */
  search?: Omit<NeighbourSearchOptions, 'k'>;
}

/** Per-record values with their 5th percentile and median (numpy's linear interpolation). */
export interface ValueSummary {
  /** One value per record, `[numRecords]`. */
  values: Float64Array;
  percentile5: number;
  median: number;
}

/** Distances from each record of one set to its nearest training record. */
export interface NearestTrainingDistances extends ValueSummary {
  /** Index of the nearest training record, `[numRecords]`; ties go to the smaller index. */
  nearestIndex: Int32Array;
  /** Nearest / second-nearest training distance, `[numRecords]`; 0 when both are 0. */
  distanceRatio: ValueSummary;
  /** Share of records at distance 0 from a training record. */
  exactCopyShare: number;
  /** Share of records at distance ≤ nearCopyThreshold, exact copies included. */
  nearCopyShare: number;
}

export interface DcrReport extends FeatureSpaceDescription {
  numTraining: number;
  numSynthetic: number;
  /** Null without a holdout set. */
  numHoldout: number | null;
  /** Synthetic to training: the DCR proper. */
  synthetic: NearestTrainingDistances;
  /** Holdout to training, the baseline that synthetic DCR is compared with; null without a holdout set. */
  holdout: NearestTrainingDistances | null;
  /** Each training record to its nearest other training record (duplicates count, at distance 0). */
  withinTraining: ValueSummary;
  /** Distance at or below which a record counts as a near copy. */
  nearCopyThreshold: number;
  /** Rule that set nearCopyThreshold, in words. */
  nearCopyRule: string;
}

function summarize(values: Float64Array): ValueSummary {
  const [percentile5, median] = percentiles(values, [5, 50]);
  return { values, percentile5, median };
}

/** Share of `values` that satisfy `predicate`. */
function share(values: Float64Array, predicate: (value: number) => boolean): number {
  let count = 0;
  for (const value of values) if (predicate(value)) count++;
  return count / values.length;
}

async function nearestTrainingDistances(
  queries: RecordSet,
  training: RecordSet,
  nearCopyThreshold: number,
  search: Omit<NeighbourSearchOptions, 'k'>,
): Promise<NearestTrainingDistances> {
  const neighbours = await findNearestNeighbours(queries, training, { ...search, k: 2 });
  const n = queries.numRecords;
  const distances = new Float64Array(n);
  const nearestIndex = new Int32Array(n);
  const ratios = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const nearest = neighbours.distances[2 * i];
    const second = neighbours.distances[2 * i + 1];
    distances[i] = nearest;
    nearestIndex[i] = neighbours.indices[2 * i];
    // Two training records at distance 0 (a duplicated training row) make the ratio 0/0. The
    // record is an exact copy, so it gets the smallest ratio, 0.
    ratios[i] = second === 0 ? 0 : nearest / second;
  }
  return {
    ...summarize(distances),
    nearestIndex,
    distanceRatio: summarize(ratios),
    exactCopyShare: share(distances, (d) => d === 0),
    nearCopyShare: share(distances, (d) => d <= nearCopyThreshold),
  };
}

/**
 * Computes the DCR report: nearest-training-record distances of the synthetic records and of the
 * holdout records (the baseline), within-training nearest-neighbour distances, the ratio of nearest
 * to second-nearest distance, and the shares of exact copies (distance 0) and near copies. Distances
 * are Euclidean in the feature space as given, so the report repeats `featureSpace` and `scaling`.
 */
export async function distanceToClosestRecord(request: DcrRequest): Promise<DcrReport> {
  const fn = 'distanceToClosestRecord';
  const { training, synthetic, holdout } = request;
  checkFeatureSpaceDescription(fn, request);
  checkRecordSet(fn, 'training', training);
  checkRecordSet(fn, 'synthetic', synthetic);
  if (holdout !== undefined) checkRecordSet(fn, 'holdout', holdout);
  const sets: [string, RecordSet][] = [['training', training], ['synthetic', synthetic]];
  if (holdout !== undefined) sets.push(['holdout', holdout]);
  checkSameFeatureCount(fn, sets);
  checkMinimumRecords(fn, 'training', training, 2, 'for nearest and second-nearest distances');
  if (holdout !== undefined) checkDisjoint(fn, 'training', training, 'holdout', holdout);

  const nearCopyPercentile = request.nearCopyPercentile ?? 5;
  if (typeof nearCopyPercentile !== 'number' || !(nearCopyPercentile >= 0 && nearCopyPercentile <= 100)) {
    throw new Error(`${fn}: \`nearCopyPercentile\` must be a number in [0, 100], got ${nearCopyPercentile}`);
  }
  const fixedThreshold = request.nearCopyThreshold;
  if (fixedThreshold !== undefined && !(Number.isFinite(fixedThreshold) && fixedThreshold >= 0)) {
    throw new Error(`${fn}: \`nearCopyThreshold\` must be a finite distance >= 0, got ${fixedThreshold}`);
  }
  const search = request.search ?? {};

  const within = await findNearestNeighboursWithin(training, { ...search, k: 1 });
  const withinTraining = summarize(within.distances);
  const nearCopyThreshold = fixedThreshold ?? percentiles(within.distances, [nearCopyPercentile])[0];
  const nearCopyRule =
    fixedThreshold !== undefined
      ? `fixed distance ${fixedThreshold}`
      : `percentile ${nearCopyPercentile} of the within-training nearest-neighbour distances`;

  return {
    featureSpace: request.featureSpace,
    scaling: request.scaling,
    numTraining: training.numRecords,
    numSynthetic: synthetic.numRecords,
    numHoldout: holdout === undefined ? null : holdout.numRecords,
    synthetic: await nearestTrainingDistances(synthetic, training, nearCopyThreshold, search),
    holdout: holdout === undefined ? null : await nearestTrainingDistances(holdout, training, nearCopyThreshold, search),
    withinTraining,
    nearCopyThreshold,
    nearCopyRule,
  };
}
