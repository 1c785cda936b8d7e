/**
 * From PhysioNet 2012 files to model-ready grids: load, clean, split by patient (stratified
 * on in-hospital death), bin to an hourly grid, log-transform skewed variables, and
 * standardise with statistics fitted on the training patients only.
 */
import { cleanRecords, CleaningOptions, CleaningReport } from './cleaning';
import { buildHourlyGrid, GridHours, HourlyGrid, selectGridPatients } from './hourly-grid';
import { fitNormalisation, normaliseGrid, NormalisationStats } from './normalisation';
import { LabelledRecord, loadPhysionet2012, LoadReport } from './physionet-loader';
import { PhysionetDescriptors } from './physionet-record';
import { PatientSplit, SplitFractions, splitPatients } from './split';
import { fitStaticStats, StaticStats, encodeStaticFeatures } from './static-features';
import { toModelUnits } from './value-transform';

export const EHR_SPLITS = ['train', 'validation', 'test'] as const;
export type EhrSplitName = (typeof EHR_SPLITS)[number];

export interface PrepareEhrDataOptions {
  recordFolder: string;
  outcomesPath: string;
  /** Grid length in hours (default 24). */
  hours?: GridHours;
  /** Seed of the patient split. */
  splitSeed: number;
  fractions?: SplitFractions;
  cleaning?: CleaningOptions;
  /** Keep only the first this many records by RecordID (quick runs and tests); default all. */
  maxPatients?: number | null;
}

/** One split: patients in RecordID order, their grids, labels and descriptors. */
export interface EhrSplit {
  recordIds: number[];
  /** Clinical units, NaN where not measured. */
  clinical: HourlyGrid;
  /** Standardised model units (log transform, then z-score), NaN where not measured. */
  normalised: HourlyGrid;
  /** In-hospital death per patient, 0 or 1. */
  labels: Int32Array;
  descriptors: PhysionetDescriptors[];
  /** [patients, NUM_STATIC_FEATURES], see static-features. */
  staticFeatures: Float32Array;
}

export interface EhrData {
  splits: Record<EhrSplitName, EhrSplit>;
  /** Standardisation of model units, fitted on training patients. */
  stats: NormalisationStats;
  staticStats: StaticStats;
  split: PatientSplit;
  hours: GridHours;
  loadReport: LoadReport;
  cleaningReport: CleaningReport;
}

/** Loads and prepares PhysioNet 2012 for the EHR models; see the module comment for the steps. */
export function prepareEhrData(options: PrepareEhrDataOptions): EhrData {
  const hours = options.hours ?? 24;
  const maxPatients = options.maxPatients ?? null;
  if (maxPatients !== null && (!Number.isInteger(maxPatients) || maxPatients < 10)) {
    throw new Error(`prepareEhrData: \`maxPatients\` must be an integer >= 10 or null, got ${maxPatients}`);
  }
  const loaded = loadPhysionet2012(options.recordFolder, options.outcomesPath);
  let records: LabelledRecord[] = loaded.records;
  if (maxPatients !== null) records = records.slice(0, maxPatients);
  const cleaned = cleanRecords(records, options.cleaning);
  records = cleaned.records;
  const deaths = records.filter((r) => r.outcome.inHospitalDeath === 1).length;
  if (deaths === 0 || deaths === records.length) {
    throw new Error(
      `prepareEhrData: all ${records.length} records have in-hospital death = ${deaths === 0 ? 0 : 1}; a conditional model needs both outcomes, so load more records`,
    );
  }

  const split = splitPatients(records.map((r) => ({ recordId: r.recordId, inHospitalDeath: r.outcome.inHospitalDeath })), options.splitSeed, options.fractions);
  const byId = new Map(records.map((r) => [r.recordId, r]));
  const clinicalAll = buildHourlyGrid(records, { hours });
  const modelAll = toModelUnits(clinicalAll);
  const stats = fitNormalisation(selectGridPatients(modelAll, split.train));
  const staticStats = fitStaticStats(split.train.map((id) => (byId.get(id) as LabelledRecord).descriptors));

  const makeSplit = (ids: number[]): EhrSplit => {
    const descriptors = ids.map((id) => (byId.get(id) as LabelledRecord).descriptors);
    return {
      recordIds: ids,
      clinical: selectGridPatients(clinicalAll, ids),
      normalised: normaliseGrid(selectGridPatients(modelAll, ids), stats),
      labels: Int32Array.from(ids, (id) => (byId.get(id) as LabelledRecord).outcome.inHospitalDeath),
      descriptors,
      staticFeatures: encodeStaticFeatures(descriptors, staticStats),
    };
  };
  return {
    splits: { train: makeSplit(split.train), validation: makeSplit(split.validation), test: makeSplit(split.test) },
    stats,
    staticStats,
    split,
    hours,
    loadReport: loaded.report,
    cleaningReport: cleaned.report,
  };
}
