import * as path from 'path';
import { selectBackend } from '../backend/select';
import { SPLIT_NAMES, SplitName } from '../data/image-dataset';
import { DEFAULT_RELEASE_POLICY, loadReleasePolicy } from '../release/policy';
import { ReleaseCheck, runReleaseGate } from '../release/release-gate';
import { loadReleaseRecords } from '../release/release-records';
import { SYNTHETIC_NOTICE, formatMeasure, formatThreshold, writeReleaseReport } from '../release/release-report';
import { OptionSpec, formatHelp, parseOptions } from './args';

export const RELEASE_OPTIONS: Record<string, OptionSpec> = {
  train: { type: 'string', required: true, description: 'REAL records the generator was trained on (same format as the synthetic input)' },
  reference: { type: 'string', required: true, description: 'REAL records of the same population that the generator never saw (holdout)' },
  policy: { type: 'string', description: 'JSON policy file overriding the default thresholds' },
  out: { type: 'string', description: 'folder for release-report.html, DATASET_CARD.md and release-gate.json (default: the synthetic input\'s folder)' },
  seed: { type: 'number', default: 0, description: 'seed of the discriminative folds and the density-ratio attack\'s reference split' },
  'train-split': { type: 'string', default: 'train', description: `split of a multi-split --train image source (${SPLIT_NAMES.join(', ')})` },
  'reference-split': { type: 'string', default: 'test', description: `split of a multi-split --reference image source (${SPLIT_NAMES.join(', ')})` },
  backend: { type: 'string', description: 'auto, node-gpu, node, wasm or cpu (default: MEDSYNTH_BACKEND or auto)' },
  help: { type: 'boolean', description: 'show this help' },
};

const SUMMARY = [
  'Checks a synthetic dataset before it is shared: medsynth release <synthetic file or folder> --train <real train> --reference <real holdout>.',
  'Measures distance to closest record against the holdout baseline, exact copies, two membership inference attacks,',
  'attribute inference of sex (EHR) and, for EHR, TSTR AUROC and the discriminative score, and compares them with the policy.',
  'Inputs: EHR <prefix>_timeseries.csv|parquet (outcomes found by name), a .npz archive or a PNG folder.',
  `Defaults: ${JSON.stringify(DEFAULT_RELEASE_POLICY)}.`,
  'Writes release-report.html and DATASET_CARD.md, and exits with status 1 when a check fails.',
].join('\n');

function parseSplit(option: string, value: string): SplitName {
  if (!(SPLIT_NAMES as readonly string[]).includes(value)) {
    throw new Error(`release: --${option} must be one of ${SPLIT_NAMES.join(', ')}, got '${value}'`);
  }
  return value as SplitName;
}

function formatCheck(check: ReleaseCheck): string {
  return `  ${check.passed ? 'PASS' : 'FAIL'}  ${check.name.padEnd(29)} ${formatMeasure(check.value)} (threshold ${formatThreshold(check)}): ${check.explanation}`;
}

export async function releaseCommand(argv: string[]): Promise<void> {
  if (argv.includes('--help')) {
    console.log(formatHelp('release <synthetic file or folder>', SUMMARY, RELEASE_OPTIONS));
    return;
  }
  const synthetic = argv[0] !== undefined && !argv[0].startsWith('--') ? argv[0] : undefined;
  if (synthetic === undefined) {
    throw new Error("release: name the synthetic data first, e.g. 'medsynth release synthetic/latent --train real/real_physionet2012_train_timeseries.csv --reference real/real_physionet2012_test_timeseries.csv'");
  }
  const o = parseOptions('release', argv.slice(1), RELEASE_OPTIONS);
  const seed = o.seed as number;
  if (!Number.isSafeInteger(seed)) throw new Error(`release: --seed must be an integer, got ${seed}`);
  const trainSplit = parseSplit('train-split', o['train-split'] as string);
  const referenceSplit = parseSplit('reference-split', o['reference-split'] as string);
  const policy = o.policy === undefined ? DEFAULT_RELEASE_POLICY : loadReleasePolicy(o.policy as string);
  // Inputs are checked before the backend starts, so a rejected input fails fast.
  const records = loadReleaseRecords({ synthetic, train: o.train as string, reference: o.reference as string, trainSplit, referenceSplit });
  await selectBackend({ backend: o.backend as string | undefined });
  console.log(`release: ${records.modality} records, ${records.synthetic.numRecords} synthetic, ${records.train.numRecords} --train, ${records.reference.numRecords} --reference`);
  console.log(`  feature space: ${records.featureSpace.featureSpace}`);
  const result = await runReleaseGate({
    synthetic: records.synthetic,
    train: records.train,
    reference: records.reference,
    featureSpace: records.featureSpace,
    policy,
    seed,
    license: records.provenance.dataset.license,
    utility: records.utility,
    sensitiveAttribute: records.sensitiveAttribute,
    modality: records.modality,
  });

  const outDir = path.resolve((o.out as string | undefined) ?? records.defaultOutDir);
  const files = writeReleaseReport(outDir, {
    result,
    modality: records.modality,
    sources: records.sources,
    provenance: records.provenance,
    loadNotes: records.notes,
  });
  console.log('checks:');
  for (const check of result.checks) console.log(formatCheck(check));
  for (const note of result.notes) console.log(`  note: ${note}`);
  console.log(`report: ${files.html}`);
  console.log(`dataset card: ${files.card}`);
  console.log(SYNTHETIC_NOTICE);
  if (!result.passed) {
    const names = result.failedChecks.map((check) => check.name).join(', ');
    throw new Error(
      `release gate FAILED: ${result.failedChecks.length} of ${result.checks.length} checks failed (${names}); ` +
        `do not share this dataset. See ${files.html}`,
    );
  }
  console.log(`release gate PASSED: all ${result.checks.length} checks passed`);
}
