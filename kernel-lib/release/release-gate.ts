/**
 * The release gate: measures re-identification risk and utility of a synthetic dataset against
 * the real records it was trained on (--train) and real records it never saw (--reference), and
 * compares every measure with the release policy.
 *
 * Checks, in order (see policy.ts for the thresholds):
 * - `source-license`: the source licence allows derivatives;
 * - `dcr-5th-percentile`: synthetic-to-train DCR 5th percentile ≥ factor × reference-to-train;
 * - `exact-copies`: share of synthetic records equal to a training record;
 * - `membership-auc-distance`, `membership-auc-density-ratio`: AUC of two membership inference
 *   attacks with the training records as members and reference records as non-members;
 * - `tstr-auroc`, `discriminative-score` (EHR with labels, unless the policy turns them off).
 * Attribute inference of sex is measured for EHR and reported without a threshold.
 */
import { DiscriminativeResult, discriminativeScore } from '../eval/tabular/discriminative';
import { compareTstrTrtr } from '../eval/tabular/tstr';
import { attributeInference } from '../privacy/attribute-inference';
import { DcrReport, NearestTrainingDistances, distanceToClosestRecord } from '../privacy/dcr';
import { MembershipAttackReport, densityRatioMembershipAttack, distanceMembershipAttack } from '../privacy/membership-inference';
import { NeighbourSearchOptions } from '../privacy/nearest-neighbours';
import {
  FeatureSpaceDescription,
  RecordSet,
  checkFeatureSpaceDescription,
  checkMinimumRecords,
  checkRecordSet,
  checkSameFeatureCount,
  selectRecordRows,
} from '../privacy/records';
import { Random } from '../util/random';
import { log } from '../util/log';
import { condenseNotes } from './condense-notes';
import { ImageFidelitySummary, imageFidelityChecks } from './image-fidelity-check';
import { DEFAULT_RELEASE_POLICY, ReleasePolicy, licenseForbidsDerivatives, parseReleasePolicy } from './policy';
import { LabelledTable, SensitiveAttributeSets } from './release-records';
import { ReleaseRole } from './release-inputs';

export const RELEASE_CHECK_NAMES = [
  'source-license',
  'dcr-5th-percentile',
  'exact-copies',
  'membership-auc-distance',
  'membership-auc-density-ratio',
  'tstr-auroc',
  'discriminative-score',
  'image-precision',
  'image-recall',
] as const;
export type ReleaseCheckName = (typeof RELEASE_CHECK_NAMES)[number];

/** Comparison of each check's value with its threshold; null for the licence check, which has no number. */
export const RELEASE_CHECK_COMPARISONS: Record<ReleaseCheckName, '≥' | '≤' | null> = {
  'source-license': null,
  'dcr-5th-percentile': '≥',
  'exact-copies': '≤',
  'membership-auc-distance': '≤',
  'membership-auc-density-ratio': '≤',
  'tstr-auroc': '≥',
  'discriminative-score': '≤',
  'image-precision': '≥',
  'image-recall': '≥',
};

/** One comparison of a measure with the policy. A measure that could not be computed has value NaN and fails. */
export interface ReleaseCheck {
  name: ReleaseCheckName;
  value: number | string;
  threshold: number | string;
  passed: boolean;
  explanation: string;
}

export interface ReleaseGateRequest {
  synthetic: RecordSet;
  train: RecordSet;
  reference: RecordSet;
  featureSpace: FeatureSpaceDescription;
  /** Thresholds; DEFAULT_RELEASE_POLICY when left out. */
  policy?: ReleasePolicy;
  /** Seed of the reference split of the density-ratio attack and of the discriminative score's folds. */
  seed: number;
  /** Licence of the source dataset; null or left out when unknown. */
  license?: string | null;
  /** Summary tables with labels for the utility checks (EHR); null or left out for none. */
  utility?: Record<ReleaseRole, LabelledTable> | null;
  /** Records for attribute inference (EHR sex); null or left out for none. */
  sensitiveAttribute?: SensitiveAttributeSets | null;
  /** 'images' adds the image precision and recall checks; left out for other records. */
  modality?: 'ehr' | 'images';
  /** Block sizes of the nearest-neighbour searches. */
  search?: Omit<NeighbourSearchOptions, 'k'>;
}

/** Nearest-training-record distances of one set, without the per-record values. */
export interface DistanceSummary {
  percentile5: number;
  median: number;
  exactCopyShare: number;
  nearCopyShare: number;
  /** Nearest / second-nearest training distance (NNDR): 5th percentile and median. */
  distanceRatioPercentile5: number;
  distanceRatioMedian: number;
}

export interface MembershipSummary {
  auc: number;
  advantage: number;
  numMembers: number;
  numNonMembers: number;
}

export interface AttributeInferenceSummary {
  attribute: string;
  k: number;
  numTargets: number;
  /** Accuracy of the k-NN attack fitted on the synthetic records. */
  syntheticAccuracy: number;
  /** Accuracy of the same attack fitted on the real reference records. */
  referenceAccuracy: number;
  /** Accuracy of always guessing the reference set's most frequent category. */
  majorityBaselineAccuracy: number;
  majorityCategory: string;
  /** Records left out per input because the attribute is unknown. */
  excluded: Record<ReleaseRole, number>;
}

export interface UtilitySummary {
  tstrAuroc: number;
  trtrAuroc: number;
  /** TRTR − TSTR AUROC; NaN when either is undefined. */
  aurocGap: number;
  tstrAuprc: number;
  trtrAuprc: number;
  /** Reasons a number above is NaN, and the encoder's notes. */
  notes: string[];
  /** Null when there are fewer rows per class than folds. */
  discriminative: DiscriminativeResult | null;
}

export interface ReleaseMetrics {
  dcr: {
    synthetic: DistanceSummary;
    reference: DistanceSummary;
    withinTrainingPercentile5: number;
    withinTrainingMedian: number;
    nearCopyThreshold: number;
    nearCopyRule: string;
  };
  membershipInference: { distance: MembershipSummary; densityRatio: MembershipSummary };
  attributeInference: AttributeInferenceSummary | null;
  utility: UtilitySummary | null;
  /** Image precision and recall; null for other records or when skipped. */
  imageFidelity: ImageFidelitySummary | null;
}

export interface ReleaseGateResult {
  passed: boolean;
  checks: ReleaseCheck[];
  /** The checks that failed, in check order. */
  failedChecks: ReleaseCheck[];
  metrics: ReleaseMetrics;
  featureSpace: FeatureSpaceDescription;
  counts: Record<ReleaseRole, number>;
  policy: ReleasePolicy;
  seed: number;
  license: string | null;
  /** Sentences on skipped measures and reduced inputs. */
  notes: string[];
}

const FN = 'runReleaseGate';

function summarizeDistances(distances: NearestTrainingDistances): DistanceSummary {
  return {
    percentile5: distances.percentile5,
    median: distances.median,
    exactCopyShare: distances.exactCopyShare,
    nearCopyShare: distances.nearCopyShare,
    distanceRatioPercentile5: distances.distanceRatio.percentile5,
    distanceRatioMedian: distances.distanceRatio.median,
  };
}

function summarizeMembership(report: MembershipAttackReport): MembershipSummary {
  return { auc: report.auc, advantage: report.advantage, numMembers: report.numMembers, numNonMembers: report.numNonMembers };
}


const format = (value: number) => (Number.isFinite(value) ? Number(value.toPrecision(4)).toString() : String(value));

function licenseCheck(license: string | null, policy: ReleasePolicy): ReleaseCheck {
  const threshold = 'a licence without a NoDerivatives (ND) term';
  if (license === null) {
    return {
      name: 'source-license',
      value: 'unknown',
      threshold,
      passed: true,
      explanation: 'no licence of the source data was found; confirm that its terms allow derived datasets before sharing',
    };
  }
  if (!licenseForbidsDerivatives(license)) {
    return { name: 'source-license', value: license, threshold, passed: true, explanation: `the source licence '${license}' has no NoDerivatives term` };
  }
  if (!policy.license.rejectNoDerivatives) {
    return {
      name: 'source-license',
      value: license,
      threshold: 'any licence (license.rejectNoDerivatives is false)',
      passed: true,
      explanation: `the source licence '${license}' forbids derivatives, and the policy allows it; keep the licensor's written permission with the release`,
    };
  }
  return {
    name: 'source-license',
    value: license,
    threshold,
    passed: false,
    explanation:
      `the source licence '${license}' forbids derivatives, and a synthetic dataset generated from the source is a derivative; ` +
      'do not share it unless the licensor grants permission',
  };
}

function utilityChecks(
  utility: Record<ReleaseRole, LabelledTable>,
  policy: ReleasePolicy,
  seed: number,
): { checks: ReleaseCheck[]; summary: UtilitySummary } {
  const settings = policy.utility;
  const comparison = compareTstrTrtr({
    realTrain: utility.train.table,
    realTrainLabels: utility.train.labels,
    syntheticTrain: utility.synthetic.table,
    syntheticTrainLabels: utility.synthetic.labels,
    realTest: utility.reference.table,
    realTestLabels: utility.reference.labels,
    l2: settings.l2,
  });
  const tstr = comparison.tstr.auroc;
  const trtr = comparison.trtr.auroc;
  const notes = [...condenseNotes('TSTR: ', comparison.tstr.notes), ...condenseNotes('TRTR: ', comparison.trtr.notes)];
  const threshold = trtr.value - settings.maxTstrAurocDrop;
  const measured = tstr.reason === null && trtr.reason === null;
  const tstrCheck: ReleaseCheck = {
    name: 'tstr-auroc',
    value: tstr.value,
    threshold,
    passed: measured && tstr.value >= threshold,
    explanation: measured
      ? `a logistic regression trained on the synthetic records reaches AUROC ${format(tstr.value)} on the --reference records, ` +
        `against ${format(trtr.value)} when trained on --train (allowed drop ${settings.maxTstrAurocDrop})`
      : `TSTR or TRTR AUROC is undefined (${tstr.reason ?? trtr.reason}); pass records of both outcomes, or turn utility checks off in the policy`,
  };

  const rowsPerClass = Math.min(utility.train.table.rows, utility.synthetic.table.rows);
  let discriminative: DiscriminativeResult | null = null;
  let discriminativeCheck: ReleaseCheck;
  if (rowsPerClass < settings.discriminativeFolds) {
    discriminativeCheck = {
      name: 'discriminative-score',
      value: NaN,
      threshold: settings.maxDiscriminativeScore,
      passed: false,
      explanation:
        `the discriminative score needs at least ${settings.discriminativeFolds} records in --train and in the synthetic set ` +
        `(one per fold), got ${utility.train.table.rows} and ${utility.synthetic.table.rows}; pass more records or lower utility.discriminativeFolds`,
    };
  } else {
    discriminative = discriminativeScore(utility.train.table, utility.synthetic.table, {
      folds: settings.discriminativeFolds,
      seed,
      l2: settings.l2,
    });
    discriminativeCheck = {
      name: 'discriminative-score',
      value: discriminative.score,
      threshold: settings.maxDiscriminativeScore,
      passed: discriminative.score <= settings.maxDiscriminativeScore,
      explanation:
        `a logistic regression tells real --train records from synthetic ones with accuracy ${format(discriminative.accuracy)} ` +
        `(${discriminative.folds}-fold, ${discriminative.rowsPerClass} records per class); the score is |accuracy − 0.5|` +
        (discriminative.accuracy < 0.5 ? ', and accuracy below 0.5 is a sign of copied records' : ''),
    };
  }
  return {
    checks: [tstrCheck, discriminativeCheck],
    summary: {
      tstrAuroc: tstr.value,
      trtrAuroc: trtr.value,
      aurocGap: comparison.aurocGap.value,
      tstrAuprc: comparison.tstr.auprc.value,
      trtrAuprc: comparison.trtr.auprc.value,
      notes,
      discriminative,
    },
  };
}

async function attributeInferenceSummary(
  sets: SensitiveAttributeSets,
  k: number,
  featureSpace: FeatureSpaceDescription,
  search: Omit<NeighbourSearchOptions, 'k'>,
  notes: string[],
): Promise<AttributeInferenceSummary | null> {
  const largestK = Math.min(sets.synthetic.numRecords, sets.reference.numRecords);
  if (k > largestK) {
    notes.push(
      `attribute inference of ${sets.attribute} was skipped: k = ${k} neighbours need at least ${k} synthetic and ${k} reference ` +
        `records of known ${sets.attribute}, got ${sets.synthetic.numRecords} and ${sets.reference.numRecords}`,
    );
    return null;
  }
  const report = await attributeInference({
    featureSpace: featureSpace.featureSpace,
    scaling: featureSpace.scaling,
    synthetic: sets.synthetic,
    reference: sets.reference,
    targets: sets.train,
    sensitiveColumn: sets.sensitiveColumn,
    k,
    search,
  });
  return {
    attribute: sets.attribute,
    k,
    numTargets: report.numTargets,
    syntheticAccuracy: report.synthetic.accuracy,
    referenceAccuracy: report.reference.accuracy,
    majorityBaselineAccuracy: report.majorityBaselineAccuracy,
    majorityCategory: sets.categories[report.majorityCategory] ?? String(report.majorityCategory),
    excluded: sets.excluded,
  };
}

/** Per-record values behind the gate's summaries, for figures: DCR histograms and attack ROC curves. */
export interface ReleaseGateDetails {
  dcr: DcrReport;
  distanceAttack: MembershipAttackReport;
  densityAttack: MembershipAttackReport;
}

/**
 * Runs every measure and compares it with the policy. The file header lists the checks.
 * Throws `runReleaseGate: …` for invalid records (empty, non-finite, different feature counts,
 * fewer than 4 reference records) or an invalid seed or policy.
 */
export async function runReleaseGate(request: ReleaseGateRequest): Promise<ReleaseGateResult> {
  return (await runReleaseGateWithDetails(request)).result;
}

/** Runs the gate like runReleaseGate and also returns the per-record distances and attack scores. */
export async function runReleaseGateWithDetails(request: ReleaseGateRequest): Promise<{ result: ReleaseGateResult; details: ReleaseGateDetails }> {
  if (request === null || typeof request !== 'object') {
    throw new Error(`${FN}: expected { synthetic, train, reference, featureSpace, seed }, got ${request}`);
  }
  const { synthetic, train, reference, featureSpace, seed } = request;
  if (!Number.isSafeInteger(seed)) {
    throw new Error(`${FN}: \`seed\` must be an integer, got ${seed}; pass a fixed seed so the results are reproducible`);
  }
  if (featureSpace === null || typeof featureSpace !== 'object') {
    throw new Error(`${FN}: \`featureSpace\` must be { featureSpace, scaling } describing the records, got ${featureSpace}`);
  }
  checkFeatureSpaceDescription(FN, featureSpace);
  const policy = request.policy === undefined ? DEFAULT_RELEASE_POLICY : parseReleasePolicy(request.policy, '`policy`');
  const sets: [string, RecordSet][] = [['synthetic', synthetic], ['train', train], ['reference', reference]];
  for (const [name, set] of sets) checkRecordSet(FN, name, set);
  checkSameFeatureCount(FN, sets);
  checkMinimumRecords(FN, 'train', train, 2, 'for nearest and second-nearest distances');
  // The density-ratio attack splits the reference records into non-members and a density sample of at least 2 each.
  checkMinimumRecords(FN, 'reference', reference, 4, 'to split into non-members and a density sample of at least 2 each');
  const license = request.license ?? null;
  if (license !== null && typeof license !== 'string') {
    throw new Error(`${FN}: \`license\` must be a licence name such as 'CC BY 4.0', or null when unknown; got ${JSON.stringify(license)}`);
  }
  const search = request.search ?? {};
  const description = { featureSpace: featureSpace.featureSpace, scaling: featureSpace.scaling };
  const notes: string[] = [];
  const checks: ReleaseCheck[] = [licenseCheck(license, policy)];

  log.debug(`${FN}: distance to closest record`);
  const dcr = await distanceToClosestRecord({ ...description, training: train, synthetic, holdout: reference, search });
  const holdout = dcr.holdout as NearestTrainingDistances;
  const dcrThreshold = policy.dcr.minRatioToHoldout * holdout.percentile5;
  const dcrPassed = dcr.synthetic.percentile5 >= dcrThreshold;
  checks.push({
    name: 'dcr-5th-percentile',
    value: dcr.synthetic.percentile5,
    threshold: dcrThreshold,
    passed: dcrPassed,
    explanation:
      `5th percentile of synthetic-to-train distances ${format(dcr.synthetic.percentile5)} against ${format(holdout.percentile5)} ` +
      `for --reference records (× ${policy.dcr.minRatioToHoldout}): synthetic records lie ` +
      (dcrPassed ? 'no closer to training records than unseen real records do' : 'closer to training records than unseen real records do'),
  });
  const copies = Math.round(dcr.synthetic.exactCopyShare * synthetic.numRecords);
  checks.push({
    name: 'exact-copies',
    value: dcr.synthetic.exactCopyShare,
    threshold: policy.exactCopies.maxShare,
    passed: dcr.synthetic.exactCopyShare <= policy.exactCopies.maxShare,
    explanation: `${copies} of ${synthetic.numRecords} synthetic records equal a --train record in the feature space`,
  });

  log.debug(`${FN}: membership inference attacks`);
  const distanceAttack = await distanceMembershipAttack({ ...description, synthetic, members: train, nonMembers: reference, search });
  // The reference density must not contain the non-members it scores, or each would meet its own kernel.
  const order = new Random(seed).permutation(reference.numRecords);
  const half = Math.ceil(reference.numRecords / 2);
  const densityAttack = densityRatioMembershipAttack({
    ...description,
    synthetic,
    members: train,
    nonMembers: selectRecordRows(reference, order.subarray(0, half)),
    reference: selectRecordRows(reference, order.subarray(half)),
  });
  notes.push(
    `the density-ratio attack scores ${half} of the ${reference.numRecords} --reference records as non-members and estimates ` +
      `the reference density from the other ${reference.numRecords - half}`,
  );
  const maxAuc = policy.membershipInference.maxAuc;
  for (const [name, attack, what] of [
    ['membership-auc-distance', distanceAttack, 'distance to the nearest synthetic record'],
    ['membership-auc-density-ratio', densityAttack, 'ratio of synthetic to reference density'],
  ] as const) {
    // Mann-Whitney null distribution: an attack that learns nothing has AUC mean 0.5 and standard
    // deviation √((m + n + 1) / (12 m n)) for m members and n non-members (no tied scores).
    const m = attack.numMembers;
    const n = attack.numNonMembers;
    const nullDeviation = Math.sqrt((m + n + 1) / (12 * m * n));
    if (maxAuc - 0.5 < 2 * nullDeviation) {
      notes.push(
        `${name} can pass or fail by chance: with ${m} members and ${n} non-members, the AUC of an attack that learns nothing ` +
          `has standard deviation about ${format(nullDeviation)}, and the policy allows ${format(maxAuc - 0.5)} above 0.5; ` +
          'pass more --train and --reference records for a firmer verdict',
      );
    }
    checks.push({
      name,
      value: attack.auc,
      threshold: maxAuc,
      passed: attack.auc <= maxAuc,
      explanation:
        `an attacker scoring real records by the ${what} tells --train members from --reference non-members with AUC ` +
        `${format(attack.auc)} (advantage ${format(attack.advantage)}); 0.5 is chance`,
    });
  }

  let attribute: AttributeInferenceSummary | null = null;
  if (request.sensitiveAttribute) {
    log.debug(`${FN}: attribute inference of ${request.sensitiveAttribute.attribute}`);
    attribute = await attributeInferenceSummary(request.sensitiveAttribute, policy.attributeInference.k, description, search, notes);
  }

  let utility: UtilitySummary | null = null;
  if (!policy.utility.enabled) {
    notes.push('utility checks were turned off by the policy (utility.enabled is false)');
  } else if (request.utility) {
    log.debug(`${FN}: TSTR, TRTR and discriminative score`);
    const result = utilityChecks(request.utility, policy, seed);
    checks.push(...result.checks);
    utility = result.summary;
  } else if (request.modality !== 'images') {
    notes.push('no labelled tables were given, so the utility checks did not run');
  }

  let imageFidelity: ImageFidelitySummary | null = null;
  if (request.modality === 'images') {
    if (!policy.imageFidelity.enabled) {
      notes.push('image precision and recall were turned off by the policy (imageFidelity.enabled is false)');
    } else {
      log.debug(`${FN}: image precision and recall`);
      const fidelity = imageFidelityChecks(synthetic, train, reference, policy.imageFidelity, seed);
      if ('skipped' in fidelity) {
        notes.push(fidelity.skipped);
      } else {
        checks.push(...fidelity.checks);
        imageFidelity = fidelity.summary;
        notes.push(
          `image precision and recall compare ${fidelity.summary.setSize} synthetic and ${fidelity.summary.setSize} --train images, ` +
            `drawn with the seed to equal size, against all ${reference.numRecords} --reference images in the pixel space above`,
        );
      }
    }
  }

  const failedChecks = checks.filter((check) => !check.passed);
  const result: ReleaseGateResult = {
    passed: failedChecks.length === 0,
    checks,
    failedChecks,
    metrics: {
      dcr: {
        synthetic: summarizeDistances(dcr.synthetic),
        reference: summarizeDistances(holdout),
        withinTrainingPercentile5: dcr.withinTraining.percentile5,
        withinTrainingMedian: dcr.withinTraining.median,
        nearCopyThreshold: dcr.nearCopyThreshold,
        nearCopyRule: dcr.nearCopyRule,
      },
      membershipInference: { distance: summarizeMembership(distanceAttack), densityRatio: summarizeMembership(densityAttack) },
      attributeInference: attribute,
      utility,
      imageFidelity,
    },
    featureSpace: description,
    counts: { synthetic: synthetic.numRecords, train: train.numRecords, reference: reference.numRecords },
    policy,
    seed,
    license,
    notes,
  };
  return { result, details: { dcr, distanceAttack, densityAttack } };
}
