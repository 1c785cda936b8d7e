/**
 * Provenance of a synthetic dataset for the report and the dataset card: the generator (model
 * kind and folder), the source dataset with its licence and citation, and the differential
 * privacy guarantee recorded in the model's model.json.
 *
 * Where each is looked up:
 * - EHR: `<prefix>_metadata.json` names the model by `model.kind` and `model.dir`. The folder is
 *   absolute, or relative to the run directory, which is searched up to three folders above the
 *   synthetic files. The model.json there gives `dataset`, `privacy` and `hours`.
 * - Images, `.npz` in `<run>/synthetic/`: `<run>/manifest.json` and `<run>/diffusion/model.json`.
 * - Images, PNG folder: `synthetic_manifest_*.json` in the folder (written by `medsynth sample`)
 *   gives `dataset` and the model folder.
 * - Otherwise the licence and citation come from the dataset registry when --train is the file
 *   of a registered dataset, and stay unknown when it is not.
 */
import * as fs from 'fs';
import * as path from 'path';
import { findProjectRoot, listDatasets } from '../data/registry';
import { log } from '../util/log';
import { LocatedInput } from './release-inputs';

export interface GeneratorInfo {
  /** Model kind, such as 'latent', 'trajectory' or 'image diffusion'; null when unknown. */
  kind: string | null;
  /** Absolute model folder, or null when unknown. */
  dir: string | null;
}

export interface SourceDatasetInfo {
  name: string | null;
  source: string | null;
  license: string | null;
  citation: string | null;
  /** File the dataset description was read from, or null when none was found. */
  origin: string | null;
}

/** The `privacy` block of a model.json trained with DP-SGD. */
export interface PrivacyGuarantee {
  epsilon: number | null;
  delta: number | null;
  /** The block as recorded. */
  record: Record<string, unknown>;
}

export interface ReleaseProvenance {
  generator: GeneratorInfo;
  dataset: SourceDatasetInfo;
  /** Null when the model.json has no privacy block, or no model.json was found. */
  privacy: PrivacyGuarantee | null;
  /** The model.json read, or null. */
  modelJson: string | null;
  /** `hours` of an EHR model.json: the recording window the model was trained on; null otherwise. */
  modelHours: number | null;
  /** Sentences on what was not found and why. */
  notes: string[];
}

/** Reads a JSON object, or returns null (with a logged warning) when the file is missing or unreadable. */
function readJsonObject(filePath: string): Record<string, unknown> | null {
  if (!fs.existsSync(filePath)) return null;
  try {
    const parsed = JSON.parse(fs.readFileSync(filePath, 'utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch (err) {
    log.warn(`readReleaseProvenance: ${filePath} cannot be read (${(err as Error).message}); provenance from it is left out`);
    return null;
  }
}

const stringOrNull = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value : null);
const numberOrNull = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

function datasetFrom(record: Record<string, unknown> | null, origin: string): SourceDatasetInfo | null {
  const dataset = record?.dataset;
  if (dataset === null || typeof dataset !== 'object') return null;
  const fields = dataset as Record<string, unknown>;
  return {
    name: stringOrNull(fields.name),
    source: stringOrNull(fields.source),
    license: stringOrNull(fields.license),
    citation: stringOrNull(fields.citation),
    origin,
  };
}

function privacyFrom(model: Record<string, unknown> | null): PrivacyGuarantee | null {
  const privacy = model?.privacy;
  if (privacy === null || privacy === undefined || typeof privacy !== 'object') return null;
  const record = privacy as Record<string, unknown>;
  return { epsilon: numberOrNull(record.epsilon), delta: numberOrNull(record.delta), record };
}

/** Fills in licence and citation from the dataset registry when `trainPath` is a registered file. */
function registryDataset(trainPath: string): SourceDatasetInfo | null {
  let projectRoot: string;
  try {
    projectRoot = findProjectRoot('readReleaseProvenance');
  } catch (err) {
    log.debug(`readReleaseProvenance: no project root, so the dataset registry is not consulted (${(err as Error).message})`);
    return null;
  }
  const resolved = path.resolve(trainPath);
  let datasets;
  try {
    datasets = listDatasets({ projectRoot });
  } catch (err) {
    log.warn(`readReleaseProvenance: the dataset registry cannot be read (${(err as Error).message}); the licence is looked up elsewhere`);
    return null;
  }
  for (const info of datasets) {
    if (info.localCandidates.some((candidate) => path.resolve(projectRoot, candidate) === resolved)) {
      return {
        name: info.name,
        source: resolved,
        license: info.license ?? null,
        citation: info.citation ?? null,
        origin: path.join(projectRoot, 'datasets', 'registry.json'),
      };
    }
  }
  return null;
}

/** Finds the run directory above `folder` (at most three levels) that contains `modelDir/model.json`. */
function findRunDirectory(folder: string, modelDir: string): string | null {
  let candidate = folder;
  for (let level = 0; level <= 3; level++) {
    if (fs.existsSync(path.join(candidate, modelDir, 'model.json'))) return candidate;
    const parent = path.dirname(candidate);
    if (parent === candidate) break;
    candidate = parent;
  }
  return null;
}

const UNKNOWN_DATASET: SourceDatasetInfo = { name: null, source: null, license: null, citation: null, origin: null };

function ehrProvenance(synthetic: Extract<LocatedInput, { modality: 'ehr' }>, metadata: Record<string, unknown> | null): ReleaseProvenance {
  const notes: string[] = [];
  const model = metadata?.model as Record<string, unknown> | undefined;
  const kind = stringOrNull(model?.kind);
  const relativeDir = stringOrNull(model?.dir);
  if (metadata === null) notes.push(`no ${synthetic.files.prefix}_metadata.json beside the synthetic files, so the generator is unknown`);
  else if (relativeDir === null) notes.push(`${synthetic.files.metadata} names no model folder (model.dir)`);
  let dir: string | null = null;
  let modelJson: string | null = null;
  if (relativeDir !== null && path.isAbsolute(relativeDir)) {
    // `medsynth ehr generate` records the model folder as an absolute path.
    if (fs.existsSync(path.join(relativeDir, 'model.json'))) {
      dir = relativeDir;
      modelJson = path.join(dir, 'model.json');
    } else {
      notes.push(`model folder ${relativeDir} of ${synthetic.files.metadata} has no model.json`);
    }
  } else if (relativeDir !== null) {
    const runDir = findRunDirectory(synthetic.files.folder, relativeDir);
    if (runDir === null) notes.push(`model folder '${relativeDir}' of ${synthetic.files.metadata} was not found above ${synthetic.files.folder}`);
    else {
      dir = path.join(runDir, relativeDir);
      modelJson = path.join(dir, 'model.json');
    }
  }
  const modelRecord = modelJson === null ? null : readJsonObject(modelJson);
  return {
    generator: { kind: kind ?? stringOrNull(modelRecord?.kind), dir },
    dataset: (modelJson === null ? null : datasetFrom(modelRecord, modelJson)) ?? UNKNOWN_DATASET,
    privacy: privacyFrom(modelRecord),
    modelJson,
    modelHours: numberOrNull(modelRecord?.hours),
    notes,
  };
}

function imageProvenance(synthetic: Extract<LocatedInput, { modality: 'images' }>): ReleaseProvenance {
  const notes: string[] = [];
  let dir: string | null = null;
  let dataset: SourceDatasetInfo | null = null;
  if (synthetic.format === 'npz') {
    const runDir = path.dirname(path.dirname(synthetic.file));
    const manifestPath = path.join(runDir, 'manifest.json');
    const manifest = readJsonObject(manifestPath);
    if (manifest !== null && manifest.format === 'medsynth-experiment-run') {
      dataset = datasetFrom(manifest, manifestPath);
      if (fs.existsSync(path.join(runDir, 'diffusion', 'model.json'))) dir = path.join(runDir, 'diffusion');
    } else {
      notes.push(`no image run manifest at ${manifestPath}, so the generator is unknown`);
    }
  } else {
    const manifests = fs.readdirSync(synthetic.folder).filter((name) => /^synthetic_manifest_.*\.json$/.test(name)).sort();
    if (manifests.length === 0) notes.push(`no synthetic_manifest_*.json in ${synthetic.folder}, so the generator is unknown`);
    for (const name of manifests) {
      const manifestPath = path.join(synthetic.folder, name);
      const manifest = readJsonObject(manifestPath);
      const modelDir = stringOrNull(manifest?.model);
      if (dir !== null && modelDir !== null && path.resolve(synthetic.folder, modelDir) !== dir) {
        notes.push(`${manifestPath} names another model (${modelDir}) than the first manifest; the folder mixes generators`);
        continue;
      }
      if (modelDir !== null) dir = path.resolve(synthetic.folder, modelDir);
      dataset = dataset ?? datasetFrom(manifest, manifestPath);
    }
  }
  const modelJson = dir === null ? null : path.join(dir, 'model.json');
  const modelRecord = modelJson === null ? null : readJsonObject(modelJson);
  return {
    generator: { kind: dir === null ? null : 'image diffusion', dir },
    dataset: (modelJson === null ? null : datasetFrom(modelRecord, modelJson)) ?? dataset ?? UNKNOWN_DATASET,
    privacy: privacyFrom(modelRecord),
    modelJson: modelRecord === null ? null : modelJson,
    modelHours: null,
    notes,
  };
}

/**
 * Looks up the generator, source dataset and privacy guarantee of the synthetic input (see
 * the file header). `metadata` is the EHR metadata already read, or null. Missing or unreadable
 * provenance files are not errors: what is missing is null and explained in `notes`.
 */
export function readReleaseProvenance(
  synthetic: LocatedInput,
  metadata: Record<string, unknown> | null,
  trainPath: string,
): ReleaseProvenance {
  if (synthetic === null || typeof synthetic !== 'object' || synthetic.role !== 'synthetic') {
    throw new Error('readReleaseProvenance: `synthetic` must be the located synthetic input from locateReleaseInput');
  }
  const provenance = synthetic.modality === 'ehr' ? ehrProvenance(synthetic, metadata) : imageProvenance(synthetic);
  if (provenance.dataset.license === null) {
    const registered = registryDataset(trainPath);
    if (registered !== null) provenance.dataset = registered;
    else provenance.notes.push('the source licence is unknown: no model.json, run manifest or registry entry records it');
  }
  return provenance;
}
