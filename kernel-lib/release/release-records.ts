/**
 * Loads the three inputs of the release gate (synthetic records, the real training records the
 * generator saw, and real reference records it did not see) and maps them into one numeric
 * feature space:
 * - EHR: per-patient summary features (summaryFeatureTable) go through a table encoder fitted on
 *   the --train rows only (median imputation with missing indicators, z-scores, one-hot
 *   categories). Every encoded column is then z-scored with the --train rows' mean and population
 *   standard deviation, so that each column weighs the same in Euclidean distances;
 * - images: grayscale pixels scaled to [0, 1] and flattened to height × width features.
 * Rejected: mixed modalities, differing feature spaces (image sizes, EHR recording windows),
 * empty inputs, non-finite values, and a --reference set that shares rows with --train.
 */
import * as path from 'path';
import { SPLIT_NAMES, SplitName } from '../data/image-dataset';
import { EncodedTable, fitTableEncoder } from '../eval/tabular/encoder';
import { Table } from '../eval/tabular/table';
import { FeatureSpaceDescription, RecordSet, checkDisjoint, checkRecordSet } from '../privacy/records';
import { condenseNotes } from './condense-notes';
import { EhrInput, readEhrInput, runWindowHours } from './ehr-input';
import { ImageInput, readImageInput } from './image-input';
import { ReleaseProvenance, readReleaseProvenance } from './provenance';
import { LocatedInput, RELEASE_ROLES, ROLE_LABELS, ReleaseRole, checkNameMarker, locateReleaseInput } from './release-inputs';

export interface LoadReleaseRecordsOptions {
  /** Synthetic EHR file or folder, `.npz` archive or PNG folder. */
  synthetic: string;
  /** Real records the generator was trained on. */
  train: string;
  /** Real records from the same population that the generator never saw. */
  reference: string;
  /** Split read from a multi-split --train image source (MedMNIST `.npz`, PNG split folders); default 'train'. */
  trainSplit?: SplitName;
  /** Split read from a multi-split --reference image source; default 'test'. */
  referenceSplit?: SplitName;
}

/** Summary of one input as read, for the report. */
export interface ReleaseSourceSummary {
  role: ReleaseRole;
  format: 'ehr-csv' | 'ehr-parquet' | 'npz' | 'png-folder';
  /** Main file or folder read. */
  path: string;
  records: number;
  /** The files and split read, in words. */
  detail: string;
}

/** Summary feature table of an EHR input with its in-hospital death labels. */
export interface LabelledTable {
  table: Table;
  labels: Int32Array;
}

/**
 * Records for the attribute inference attack: the feature columns without the attribute's
 * one-hot columns, then one column of integer codes (`categories[code]`). Records whose
 * attribute is unknown are left out.
 */
export interface SensitiveAttributeSets {
  attribute: string;
  categories: string[];
  sensitiveColumn: number;
  synthetic: RecordSet;
  train: RecordSet;
  reference: RecordSet;
  /** Records left out per input because the attribute is unknown. */
  excluded: Record<ReleaseRole, number>;
}

export interface ReleaseRecords {
  modality: 'ehr' | 'images';
  featureSpace: FeatureSpaceDescription;
  /** Column names for EHR, empty for images (column i is pixel i in row-major order). */
  featureNames: string[];
  numFeatures: number;
  synthetic: RecordSet;
  train: RecordSet;
  reference: RecordSet;
  sources: Record<ReleaseRole, ReleaseSourceSummary>;
  provenance: ReleaseProvenance;
  /** Summary tables and labels for TSTR, TRTR and the discriminative score; null for images. */
  utility: Record<ReleaseRole, LabelledTable> | null;
  /** Sex for EHR when every input has patients of known sex; null otherwise. */
  sensitiveAttribute: SensitiveAttributeSets | null;
  /** Folder of the synthetic input, where the report goes by default. */
  defaultOutDir: string;
  /** Sentences about the loading and encoding, for the report. */
  notes: string[];
}

const FN = 'loadReleaseRecords';

function describeModality(located: LocatedInput): string {
  if (located.modality === 'ehr') return `EHR (${located.files.timeseries})`;
  return `images (${located.format === 'npz' ? located.file : located.folder})`;
}

/** Returns a function that z-scores encoded rows with the column statistics of `reference`. Constant columns are only centred. */
function standardizer(reference: EncodedTable): (table: EncodedTable) => RecordSet {
  const { rows, features, data } = reference;
  const means = new Float64Array(features);
  const scales = new Float64Array(features);
  for (let f = 0; f < features; f++) {
    let sum = 0;
    for (let r = 0; r < rows; r++) sum += data[r * features + f];
    means[f] = sum / rows;
    let squares = 0;
    for (let r = 0; r < rows; r++) squares += (data[r * features + f] - means[f]) ** 2;
    const std = Math.sqrt(squares / rows);
    scales[f] = std > 0 ? std : 1;
  }
  return (table) => {
    const out = new Float64Array(table.rows * features);
    for (let r = 0; r < table.rows; r++) {
      for (let f = 0; f < features; f++) out[r * features + f] = (table.data[r * features + f] - means[f]) / scales[f];
    }
    return { data: out, numRecords: table.rows, numFeatures: features };
  };
}

/** Builds the sex attribute sets from encoded records, or returns null with a note when an input has no patient of known sex. */
function sexAttributeSets(
  featureNames: string[],
  records: Record<ReleaseRole, RecordSet>,
  tables: Record<ReleaseRole, Table>,
  notes: string[],
): SensitiveAttributeSets | null {
  const categories = ['female', 'male'];
  const featureColumns = featureNames.map((_, f) => f).filter((f) => !featureNames[f].startsWith('Gender='));
  if (featureColumns.length === featureNames.length || featureColumns.length === 0) {
    notes.push('attribute inference of sex was skipped: the encoded features have no Gender column');
    return null;
  }
  const width = featureColumns.length + 1;
  const sets = {} as Record<ReleaseRole, RecordSet>;
  const excluded = {} as Record<ReleaseRole, number>;
  for (const role of RELEASE_ROLES) {
    const source = records[role];
    const sexes = tables[role].categorical.Gender ?? [];
    const rows: number[] = [];
    for (let r = 0; r < source.numRecords; r++) if (categories.includes(sexes[r])) rows.push(r);
    excluded[role] = source.numRecords - rows.length;
    if (rows.length === 0) {
      notes.push(`attribute inference of sex was skipped: ${ROLE_LABELS[role]} has no patient of known sex`);
      return null;
    }
    const data = new Float64Array(rows.length * width);
    rows.forEach((r, i) => {
      featureColumns.forEach((f, j) => {
        data[i * width + j] = source.data[r * source.numFeatures + f];
      });
      data[i * width + featureColumns.length] = categories.indexOf(sexes[r]);
    });
    sets[role] = { data, numRecords: rows.length, numFeatures: width };
  }
  return { attribute: 'sex', categories, sensitiveColumn: featureColumns.length, ...sets, excluded };
}

/** Recording window of an EHR input recorded in its metadata, the model.json or the run's data.json. */
function recordedWindow(input: EhrInput, provenance: ReleaseProvenance): { hours: number; origin: string } | null {
  const fromMetadata = input.metadata?.hours;
  if (Number.isInteger(fromMetadata) && input.files.metadata !== null) return { hours: fromMetadata as number, origin: input.files.metadata };
  if (input.role === 'synthetic' && provenance.modelJson !== null) {
    const fromModel = provenance.modelHours;
    if (fromModel !== null) return { hours: fromModel, origin: provenance.modelJson };
  }
  return input.role === 'synthetic' ? null : runWindowHours(input.files);
}

function loadEhr(located: Record<ReleaseRole, Extract<LocatedInput, { modality: 'ehr' }>>, trainPath: string): ReleaseRecords {
  const inputs = {} as Record<ReleaseRole, EhrInput>;
  for (const role of RELEASE_ROLES) inputs[role] = readEhrInput(FN, role, located[role].files);
  const provenance = readReleaseProvenance(located.synthetic, inputs.synthetic.metadata, trainPath);
  const notes: string[] = [];

  // The summary features count measurements within the recording window, so all inputs must share one.
  const windows = RELEASE_ROLES.map((role) => ({ role, window: recordedWindow(inputs[role], provenance) }));
  const recorded = windows.filter((entry) => entry.window !== null) as { role: ReleaseRole; window: { hours: number; origin: string } }[];
  for (const entry of recorded) {
    if (entry.window.hours !== recorded[0].window.hours) {
      throw new Error(
        `${FN}: the inputs have different feature spaces: ${ROLE_LABELS[recorded[0].role]} covers the first ${recorded[0].window.hours} hours ` +
          `(${recorded[0].window.origin}) but ${ROLE_LABELS[entry.role]} covers ${entry.window.hours} hours (${entry.window.origin}); ` +
          'compare records of one recording window',
      );
    }
  }
  const windowHours = recorded.length > 0 ? recorded[0].window.hours : Math.max(...RELEASE_ROLES.map((role) => inputs[role].observedHours));
  for (const role of RELEASE_ROLES) {
    if (inputs[role].observedHours > windowHours) {
      throw new Error(
        `${FN}: the inputs have different feature spaces: ${ROLE_LABELS[role]} has measurements in hour ${inputs[role].observedHours - 1}, ` +
          `beyond the ${windowHours}-hour window recorded in ${recorded[0].window.origin}; compare records of one recording window`,
      );
    }
  }

  const encoder = fitTableEncoder(inputs.train.table);
  notes.push(...condenseNotes('encoder fitted on --train: ', encoder.notes));
  const encoded = {} as Record<ReleaseRole, EncodedTable>;
  for (const role of RELEASE_ROLES) {
    encoded[role] = encoder.encode(inputs[role].table);
    notes.push(...condenseNotes(`${ROLE_LABELS[role]}: `, encoded[role].notes));
    for (const unseen of encoded[role].unseen) {
      notes.push(`${ROLE_LABELS[role]}: ${unseen.rows.length} row(s) have ${unseen.column} = '${unseen.category}', unseen in --train, encoded as all zeros`);
    }
  }
  const standardize = standardizer(encoded.train);
  const records = {} as Record<ReleaseRole, RecordSet>;
  for (const role of RELEASE_ROLES) records[role] = standardize(encoded[role]);

  const tables = {} as Record<ReleaseRole, Table>;
  const utility = {} as Record<ReleaseRole, LabelledTable>;
  const sources = {} as Record<ReleaseRole, ReleaseSourceSummary>;
  for (const role of RELEASE_ROLES) {
    const input = inputs[role];
    tables[role] = input.table;
    utility[role] = { table: input.table, labels: input.labels };
    const deaths = input.labels.reduce((sum, label) => sum + label, 0);
    sources[role] = {
      role,
      format: input.files.format === 'csv' ? 'ehr-csv' : 'ehr-parquet',
      path: input.files.timeseries,
      records: input.patients,
      detail: `${input.patients} patients (${deaths} in-hospital deaths) from ${input.files.timeseries} and ${path.basename(input.files.outcomes)}`,
    };
  }
  const featureNames = encoder.featureNames;
  const dropped = encoder.droppedColumns.length;
  return {
    modality: 'ehr',
    featureSpace: {
      featureSpace:
        `EHR summary features over the first ${windowHours} hours: count, mean, min, max and last of each hourly ` +
        `PhysioNet 2012 variable, age, sex and ICU type, encoded into ${featureNames.length} columns` +
        (dropped > 0 ? ` (${dropped} summary columns never measured in --train dropped)` : ''),
      scaling:
        'table encoder fitted on the --train rows only (median imputation with missing indicators, z-scores, one-hot ' +
        'categories), then every column z-scored with the --train mean and population standard deviation (constant columns centred only)',
    },
    featureNames,
    numFeatures: featureNames.length,
    ...records,
    sources,
    provenance,
    utility,
    sensitiveAttribute: sexAttributeSets(featureNames, records, tables, notes),
    defaultOutDir: located.synthetic.files.folder,
    notes,
  };
}

function loadImages(
  located: Record<ReleaseRole, Extract<LocatedInput, { modality: 'images' }>>,
  splits: Record<ReleaseRole, SplitName>,
  trainPath: string,
): ReleaseRecords {
  const inputs = {} as Record<ReleaseRole, ImageInput>;
  for (const role of RELEASE_ROLES) inputs[role] = readImageInput(FN, located[role], splits[role]);
  for (const role of RELEASE_ROLES) {
    const { height, width } = inputs[role];
    const first = inputs.synthetic;
    if (height !== first.height || width !== first.width) {
      throw new Error(
        `${FN}: the inputs have different feature spaces: the synthetic images are ${first.width}×${first.height} (width×height) ` +
          `but the ${ROLE_LABELS[role]} images are ${width}×${height}; resize them to one size first`,
      );
    }
  }
  const { height, width } = inputs.synthetic;
  const records = {} as Record<ReleaseRole, RecordSet>;
  const sources = {} as Record<ReleaseRole, ReleaseSourceSummary>;
  for (const role of RELEASE_ROLES) {
    const input = inputs[role];
    records[role] = { data: input.pixels, numRecords: input.count, numFeatures: height * width };
    sources[role] = {
      role,
      format: input.format,
      path: input.source,
      records: input.count,
      detail: `${input.count} images of ${width}×${height} from ${input.source}${input.split === null ? '' : ` (split '${input.split}')`}, ${input.scaling}`,
    };
  }
  const synthetic = located.synthetic;
  return {
    modality: 'images',
    featureSpace: {
      featureSpace: `grayscale pixels of ${width}×${height} (width×height) images, flattened row-major to ${height * width} features`,
      scaling: `pixel values scaled to [0, 1]: ${RELEASE_ROLES.map((role) => `${ROLE_LABELS[role]} ${inputs[role].scaling}`).join('; ')}`,
    },
    featureNames: [],
    numFeatures: height * width,
    ...records,
    sources,
    provenance: readReleaseProvenance(synthetic, null, trainPath),
    utility: null,
    sensitiveAttribute: null,
    defaultOutDir: synthetic.format === 'npz' ? path.dirname(synthetic.file) : synthetic.folder,
    notes: ['TSTR and the discriminative score apply to EHR inputs with outcome labels only; images get the image precision and recall checks instead'],
  };
}

/**
 * Loads and checks the three inputs and maps them into one feature space (see the file
 * header). Throws `loadReleaseRecords: …` naming the input, the value and the fix for every
 * rejected case.
 */
export function loadReleaseRecords(options: LoadReleaseRecordsOptions): ReleaseRecords {
  if (options === null || typeof options !== 'object') {
    throw new Error(`${FN}: expected { synthetic, train, reference } paths, got ${options}`);
  }
  for (const [option, split] of [['trainSplit', options.trainSplit], ['referenceSplit', options.referenceSplit]] as const) {
    if (split !== undefined && !(SPLIT_NAMES as readonly string[]).includes(split)) {
      throw new Error(`${FN}: \`${option}\` must be one of ${SPLIT_NAMES.join(', ')}, got ${JSON.stringify(split)}`);
    }
  }
  const splits: Record<ReleaseRole, SplitName> = {
    synthetic: 'train',
    train: options.trainSplit ?? 'train',
    reference: options.referenceSplit ?? 'test',
  };
  const located = {} as Record<ReleaseRole, LocatedInput>;
  for (const role of RELEASE_ROLES) located[role] = locateReleaseInput(FN, role, options[role]);

  const modalities = new Set(RELEASE_ROLES.map((role) => located[role].modality));
  if (modalities.size > 1) {
    throw new Error(
      `${FN}: the inputs mix modalities: ${RELEASE_ROLES.map((role) => `${ROLE_LABELS[role]} is ${describeModality(located[role])}`).join(', ')}; ` +
        'pass synthetic, --train and --reference records of one modality',
    );
  }
  for (const role of RELEASE_ROLES) checkNameMarker(FN, located[role]);

  const records =
    located.synthetic.modality === 'ehr'
      ? loadEhr(located as Record<ReleaseRole, Extract<LocatedInput, { modality: 'ehr' }>>, options.train)
      : loadImages(located as Record<ReleaseRole, Extract<LocatedInput, { modality: 'images' }>>, splits, options.train);

  for (const role of RELEASE_ROLES) {
    if (records[role].numRecords === 0) {
      throw new Error(`${FN}: ${ROLE_LABELS[role]} ${records.sources[role].path} has 0 records; pass an input with records`);
    }
    checkRecordSet(FN, role === 'synthetic' ? 'synthetic' : ROLE_LABELS[role], records[role]);
  }
  checkDisjoint(FN, '--train', records.train, '--reference', records.reference);
  return records;
}
