/**
 * Membership inference attacks on synthetic data: given the synthetic records, score candidate
 * real records so that training members score higher than non-members. Each attack is judged
 * on known members (training records, the positive class) and non-members (holdout records) by
 * AUC and attack advantage. AUC 0.5 and advantage 0 mean the attacker learns nothing.
 */
import { aurocFromCounts, thresholdCounts } from '../eval/roc';
import { log } from '../util/log';
import { columnMoments, kdeLogDensity, scottBandwidths } from './gaussian-kde';
import { NeighbourSearchOptions, findNearestNeighbours } from './nearest-neighbours';
import {
  FeatureSpaceDescription,
  RecordSet,
  checkDisjoint,
  checkFeatureSpaceDescription,
  checkMinimumRecords,
  checkRecordSet,
  checkSameFeatureCount,
} from './records';

export const MEMBERSHIP_ATTACKS = ['distance', 'density-ratio'] as const;
export type MembershipAttack = (typeof MEMBERSHIP_ATTACKS)[number];

/** Separation of member scores from non-member scores. */
export interface MembershipScoreSummary {
  /** P(member score > non-member score) + ½ P(equal), members being the positive class. */
  auc: number;
  /** max over thresholds of TPR − FPR, in [0, 1]; 0 at the threshold +Infinity, which flags no candidate. */
  advantage: number;
  /** Flag a candidate as a member when its score ≥ this threshold to reach the advantage. */
  advantageThreshold: number;
}

export interface MembershipAttackReport extends MembershipScoreSummary, FeatureSpaceDescription {
  attack: MembershipAttack;
  numMembers: number;
  numNonMembers: number;
  /** Scores of the members, `[numMembers]`; higher means more likely a member. */
  memberScores: Float64Array;
  /** Scores of the non-members, `[numNonMembers]`. */
  nonMemberScores: Float64Array;
}

export interface MembershipAttackRequest extends FeatureSpaceDescription {
  synthetic: RecordSet;
  /** Training records the attack should recognise (positives). */
  members: RecordSet;
  /** Real records from the same population that were not trained on (negatives). */
  nonMembers: RecordSet;
}

export interface DistanceAttackRequest extends MembershipAttackRequest {
  /** Block sizes of the nearest-neighbour search. */
  search?: Omit<NeighbourSearchOptions, 'k'>;
}

export interface DensityRatioAttackRequest extends MembershipAttackRequest {
  /** Real records from the population, disjoint from the members; estimates p_reference. */
  reference: RecordSet;
  /** Fixed kernel bandwidth in standardised units for every feature (default: Scott's rule per density). */
  bandwidth?: number;
}

/**
 * Computes AUC (Mann-Whitney, ties count ½) and attack advantage max(TPR − FPR) of scores with
 * members as the positive class. Throws on empty or non-finite scores.
 */
export function summarizeMembershipScores(
  memberScores: ArrayLike<number>,
  nonMemberScores: ArrayLike<number>,
): MembershipScoreSummary {
  const fn = 'summarizeMembershipScores';
  if (memberScores.length === 0 || nonMemberScores.length === 0) {
    throw new Error(
      `${fn}: needs at least one member and one non-member score, got ${memberScores.length} and ${nonMemberScores.length}`,
    );
  }
  const numMembers = memberScores.length;
  const labels = new Float64Array(numMembers + nonMemberScores.length);
  const scores = new Float64Array(labels.length);
  labels.fill(1, 0, numMembers);
  scores.set(Array.from(memberScores), 0);
  scores.set(Array.from(nonMemberScores), numMembers);
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) {
      const scoreName = i < numMembers ? `memberScores[${i}]` : `nonMemberScores[${i - numMembers}]`;
      throw new Error(`${fn}: \`${scoreName}\` must be finite, got ${scores[i]}`);
    }
  }

  const counts = thresholdCounts(labels, scores);
  let advantage = 0;
  let advantageThreshold = Infinity;
  for (let i = 0; i < counts.thresholds.length; i++) {
    const difference = counts.truePositives[i] / counts.positives - counts.falsePositives[i] / counts.negatives;
    if (difference > advantage) {
      advantage = difference;
      advantageThreshold = counts.thresholds[i];
    }
  }
  return { auc: aurocFromCounts(counts).value, advantage, advantageThreshold };
}

function checkAttackRecords(fn: string, request: MembershipAttackRequest, extra: [string, RecordSet][] = []): void {
  checkFeatureSpaceDescription(fn, request);
  const sets: [string, RecordSet][] = [
    ['synthetic', request.synthetic],
    ['members', request.members],
    ['nonMembers', request.nonMembers],
    ...extra,
  ];
  for (const [name, set] of sets) checkRecordSet(fn, name, set);
  checkSameFeatureCount(fn, sets);
  checkDisjoint(fn, 'members', request.members, 'nonMembers', request.nonMembers);
}

function report(
  attack: MembershipAttack,
  request: MembershipAttackRequest,
  memberScores: Float64Array,
  nonMemberScores: Float64Array,
): MembershipAttackReport {
  return {
    attack,
    featureSpace: request.featureSpace,
    scaling: request.scaling,
    numMembers: memberScores.length,
    numNonMembers: nonMemberScores.length,
    memberScores,
    nonMemberScores,
    ...summarizeMembershipScores(memberScores, nonMemberScores),
  };
}

/**
 * Runs the distance attack: score = −(Euclidean distance from the candidate to its nearest
 * synthetic record), so that candidates the generator copied score highest.
 */
export async function distanceMembershipAttack(request: DistanceAttackRequest): Promise<MembershipAttackReport> {
  const fn = 'distanceMembershipAttack';
  checkAttackRecords(fn, request);
  const search = request.search ?? {};
  const scoreOf = async (candidates: RecordSet) => {
    const neighbours = await findNearestNeighbours(candidates, request.synthetic, { ...search, k: 1 });
    return neighbours.distances.map((distance) => -distance);
  };
  return report('distance', request, await scoreOf(request.members), await scoreOf(request.nonMembers));
}

/** Copy of `records` standardised with `means` and `deviations`, `[numRecords, numFeatures]`. */
function standardize(records: RecordSet, means: Float64Array, deviations: Float64Array): RecordSet {
  const { data, numRecords, numFeatures } = records;
  const out = new Float64Array(data.length);
  for (let i = 0; i < numRecords; i++) {
    for (let f = 0; f < numFeatures; f++) out[i * numFeatures + f] = (data[i * numFeatures + f] - means[f]) / deviations[f];
  }
  return { data: out, numRecords, numFeatures };
}

/**
 * Runs a density-ratio attack in the style of DOMIAS (van Breugel, Sun, Qian and van der Schaar
 * 2023, "Membership Inference Attacks against Synthetic Data through Overfitting Detection"):
 *   score(x) = ln p_synthetic(x) − ln p_reference(x),
 * the log of the density ratio, which ranks candidates identically. Both densities are Gaussian
 * KDEs (see gaussian-kde.ts) on features standardised with the reference set's means and standard
 * deviations. A generator that overfits puts extra synthetic density on its training records, so
 * members get a larger ratio than non-members from the same population.
 * NOTE: Scott's rule is wide when records are dense (few features, many records): with 4
 * features and 200 synthetic records that copy the members, the AUC is only about 0.7, whereas
 * the distance attack reaches 1. Run both attacks.
 */
export function densityRatioMembershipAttack(request: DensityRatioAttackRequest): MembershipAttackReport {
  const fn = 'densityRatioMembershipAttack';
  const { reference } = request;
  checkAttackRecords(fn, request, [['reference', reference]]);
  checkDisjoint(fn, 'members', request.members, 'reference', reference);
  checkMinimumRecords(fn, 'reference', reference, 2, 'to estimate standard deviations');
  if (request.bandwidth !== undefined && !(Number.isFinite(request.bandwidth) && request.bandwidth > 0)) {
    throw new Error(`${fn}: \`bandwidth\` must be a finite number > 0 in standardised units, got ${request.bandwidth}`);
  }
  const numFeatures = reference.numFeatures;
  for (const [name, set] of [['synthetic', request.synthetic], ['reference', reference]] as const) {
    if (set.numRecords <= numFeatures) {
      log.warnOnce(
        `${fn}:few-${name}`,
        `${fn}: \`${name}\` has ${set.numRecords} records for ${numFeatures} features; ` +
          'a kernel density estimate this sparse is unreliable, so read the AUC with caution',
      );
    }
  }

  // Standardise every set on the reference set; a constant reference feature keeps its raw scale.
  const { means, deviations } = columnMoments(reference);
  const constant = Array.from(deviations).findIndex((deviation) => !(deviation > 0));
  if (constant >= 0) {
    log.warn(`${fn}: reference feature ${constant} is constant; it is centred but not scaled`);
  }
  const scales = deviations.map((deviation) => (deviation > 0 ? deviation : 1));
  const synthetic = standardize(request.synthetic, means, scales);
  const standardReference = standardize(reference, means, scales);

  const bandwidthsOf = (set: RecordSet, name: string) =>
    request.bandwidth !== undefined ? new Float64Array(numFeatures).fill(request.bandwidth) : scottBandwidths(set, name);
  const syntheticBandwidths = bandwidthsOf(synthetic, 'the synthetic set');
  const referenceBandwidths = bandwidthsOf(standardReference, 'the reference set');

  const scoreOf = (candidates: RecordSet) => {
    const points = standardize(candidates, means, scales);
    const logSynthetic = kdeLogDensity(points, synthetic, syntheticBandwidths);
    const logReference = kdeLogDensity(points, standardReference, referenceBandwidths);
    return logSynthetic.map((value, i) => value - logReference[i]);
  };
  return report('density-ratio', request, scoreOf(request.members), scoreOf(request.nonMembers));
}
