/**
 * Privacy audit of the synthetic images of image experiment runs. It runs the release gate's
 * measures for the rare class and keeps the per-record distances and attack scores for figures.
 * It adds the privacy guarantee of the run's diffusion model and the run's utility on the REAL
 * test split.
 *
 * For the rare class of a run, the records are
 * - synthetic: the accepted synthetic images of the first seed (`synthetic/synthetic_seed<s>.npz`),
 * - train (members): the real training images of the class (`real/real_train_<class>.npz`),
 * - reference (non-members): real images of the class that `rareTrainCount` left out
 *   (`real/real_holdout_<class>.npz`).
 * A run written before the data stage wrote `real/` gets the two files from its recorded config.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseExperimentConfig } from '../experiment/config';
import { prepareExperimentData } from '../experiment/prepare-data';
import { fileSafeClassName, writeRealImageSplits } from '../experiment/stages/real-splits';
import { DpRecord, DpRecordSchema } from '../pipelines/image-diffusion-config';
import { makeDirectory } from '../util/make-directory';
import { log } from '../util/log';
import { ReleasePolicy } from './policy';
import { ReleaseGateDetails, ReleaseGateResult, runReleaseGateWithDetails } from './release-gate';
import { ReleaseRecords, loadReleaseRecords } from './release-records';

/** AUROC of one arm on the REAL test split, with its 95% bootstrap interval. */
export interface ArmAuroc {
  arm: string;
  value: number | null;
  lower: number | null;
  upper: number | null;
}

export interface ImageRunAudit {
  runDir: string;
  /** Config name of the run, used as its label in tables and figures. */
  name: string;
  className: string;
  seed: number;
  /** Null for a model trained without DP-SGD. */
  privacy: DpRecord | null;
  records: ReleaseRecords;
  result: ReleaseGateResult;
  details: ReleaseGateDetails;
  /** AUROC on the REAL test split per arm, from the run's metrics.json (empty before its evaluation stage). */
  utility: ArmAuroc[];
}

export interface ImageRunAuditOptions {
  /** Seed of the gate's attacks (default 0). */
  seed?: number;
  policy?: ReleasePolicy;
}

interface RunManifest {
  config: unknown;
}

function readJson<T>(file: string, label: string, fix: string): T {
  if (!fs.existsSync(file)) throw new Error(`auditImageRun: ${label} ${file} is missing; ${fix}`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (err) {
    throw new Error(`auditImageRun: ${label} ${file} is not valid JSON (${(err as Error).message}); ${fix}`);
  }
}

/** Writes `real/` for a run whose data stage did not, from the config recorded in its manifest. */
function ensureRealFiles(runDir: string, config: ReturnType<typeof parseExperimentConfig>, trainFile: string, holdoutFile: string): void {
  if (fs.existsSync(trainFile) && fs.existsSync(holdoutFile)) return;
  log.info(`auditImageRun: writing the real training and holdout images of ${runDir} into real/ from its recorded config`);
  makeDirectory(path.join(runDir, 'real'));
  writeRealImageSplits(prepareExperimentData(config), (fileName) => path.join(runDir, 'real', fileName));
  if (!fs.existsSync(holdoutFile)) {
    throw new Error(
      `auditImageRun: ${runDir} has no left-out real images of its rare class (${holdoutFile}), because its config keeps every training image; ` +
        'set dataset.rareTrainCount so that unseen real images of the class remain as non-members',
    );
  }
}

function armAurocs(runDir: string): ArmAuroc[] {
  const file = path.join(runDir, 'metrics.json');
  if (!fs.existsSync(file)) return [];
  const metrics = readJson<{ arms?: { arm: string; metrics: { auroc?: { value: number | null; lower: number | null; upper: number | null } } }[] }>(
    file,
    'metrics file',
    'finish the run with medsynth run --resume',
  );
  return (metrics.arms ?? []).map(({ arm, metrics: m }) => ({ arm, value: m.auroc?.value ?? null, lower: m.auroc?.lower ?? null, upper: m.auroc?.upper ?? null }));
}

/**
 * Audits the synthetic images of the first rare class of an image run. Throws, naming the file,
 * when the run has not reached its generation stage or its files are unreadable.
 */
export async function auditImageRun(runDir: string, options: ImageRunAuditOptions = {}): Promise<ImageRunAudit> {
  const dir = path.resolve(runDir);
  const fix = `pass the directory of an image run that has finished its generation stage (medsynth run <config>)`;
  const manifest = readJson<RunManifest>(path.join(dir, 'manifest.json'), 'run manifest', fix);
  const config = parseExperimentConfig(manifest.config, path.join(dir, 'manifest.json'));
  const data = readJson<{ rareClasses: string[] }>(path.join(dir, 'data.json'), 'data summary', fix);
  const className = data.rareClasses[0];
  if (className === undefined) throw new Error(`auditImageRun: ${dir}/data.json lists no rare class; ${fix}`);
  const seed = config.seeds[0];
  const synthetic = path.join(dir, 'synthetic', `synthetic_seed${seed}.npz`);
  if (!fs.existsSync(synthetic)) throw new Error(`auditImageRun: the synthetic images ${synthetic} are missing; ${fix}`);
  const safeName = fileSafeClassName(className);
  const train = path.join(dir, 'real', `real_train_${safeName}.npz`);
  const reference = path.join(dir, 'real', `real_holdout_${safeName}.npz`);
  ensureRealFiles(dir, config, train, reference);

  const records = loadReleaseRecords({ synthetic, train, reference });
  const { result, details } = await runReleaseGateWithDetails({
    synthetic: records.synthetic,
    train: records.train,
    reference: records.reference,
    featureSpace: records.featureSpace,
    policy: options.policy,
    seed: options.seed ?? 0,
    license: records.provenance.dataset.license,
    modality: 'images',
  });
  const model = readJson<{ privacy?: unknown }>(path.join(dir, 'diffusion', 'model.json'), 'diffusion model file', fix);
  let privacy: DpRecord | null = null;
  if (model.privacy !== undefined && model.privacy !== null) {
    const parsed = DpRecordSchema.safeParse(model.privacy);
    if (!parsed.success) {
      throw new Error(
        `auditImageRun: the privacy record in ${path.join(dir, 'diffusion', 'model.json')} is invalid (${parsed.error.issues[0].path.join('.')}: ` +
          `${parsed.error.issues[0].message}); retrain the model, because ε cannot be trusted from an edited record`,
      );
    }
    privacy = parsed.data;
  }
  return { runDir: dir, name: config.name, className, seed, privacy, records, result, details, utility: armAurocs(dir) };
}

function formatNumber(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

function armAurocText(audit: ImageRunAudit, arm: string): string {
  const row = audit.utility.find((entry) => entry.arm === arm);
  if (!row || row.value === null) return '–';
  return `${formatNumber(row.value)} [${formatNumber(row.lower)}, ${formatNumber(row.upper)}]`;
}

/** Returns a markdown table with one row per audited run: ε, DCR, copies, attack AUCs, gate verdict and REAL-test AUROC. */
export function imageAuditTable(audits: readonly ImageRunAudit[]): string {
  const header = [
    'Run',
    'ε (δ)',
    'DCR p5 synthetic / holdout',
    'exact copies',
    'MIA AUC distance',
    'MIA AUC density ratio',
    'precision / recall (real)',
    'gate',
    'AUROC real+synthetic',
    'AUROC synthetic-only',
  ];
  const rows = audits.map((audit) => {
    const m = audit.result.metrics;
    const failed = audit.result.failedChecks.map((check) => check.name).join(', ');
    return [
      audit.name,
      audit.privacy === null ? 'non-private' : `${formatNumber(audit.privacy.epsilon, 2)} (${audit.privacy.delta})`,
      `${formatNumber(m.dcr.synthetic.percentile5)} / ${formatNumber(m.dcr.reference.percentile5)}`,
      formatNumber(m.dcr.synthetic.exactCopyShare),
      formatNumber(m.membershipInference.distance.auc),
      formatNumber(m.membershipInference.densityRatio.auc),
      m.imageFidelity === null
        ? '–'
        : `${formatNumber(m.imageFidelity.syntheticPrecision)} / ${formatNumber(m.imageFidelity.syntheticRecall)} ` +
          `(${formatNumber(m.imageFidelity.realPrecision)} / ${formatNumber(m.imageFidelity.realRecall)})`,
      audit.result.passed ? 'PASS' : `FAIL (${failed})`,
      armAurocText(audit, 'real+synthetic'),
      armAurocText(audit, 'synthetic-only'),
    ];
  });
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}
