import * as fs from 'fs';
import { loadNpz } from '../data/npz';
import { ExperimentConfig } from './config';
import { markdownText } from '../util/markdown';
import { RunDirectory } from './run-dir';
import { armIsAvailable, ClassifierRecord, classifierRecordFile, SkippedClassifier } from './stages/classifiers';
import { GenerationRecord } from './stages/generation';

/** Outcomes of the synthetic-image filter, as stored in the generation stage's example files. */
export const EXAMPLE_OUTCOMES = [
  ['accepted', 'accepted'],
  ['low_confidence', 'low-confidence'],
  ['memorised', 'memorised'],
] as const;

/**
 * Loads the example synthetic images that the generation stage kept for one class and seed, by
 * filter outcome ('accepted', 'low-confidence', 'memorised'): each [count, height, width]
 * uint8. Returns an empty object when the run has no examples for them.
 */
export function loadSyntheticExamples(run: RunDirectory, className: string, seed: number): Record<string, Uint8Array> {
  const safeName = className.replace(/[^A-Za-z0-9_-]+/g, '-');
  const file = run.path('synthetic', `synthetic_examples_${safeName}_seed${seed}.npz`);
  if (!fs.existsSync(file)) return {};
  const arrays = loadNpz(file);
  const out: Record<string, Uint8Array> = {};
  for (const [key, outcome] of EXAMPLE_OUTCOMES) out[outcome] = (arrays.get(key)?.data as Uint8Array | undefined) ?? new Uint8Array(0);
  return out;
}

/** Formats the generation stage's records as a Markdown table, one row per class and seed. */
export function formatGenerationTable(records: readonly GenerationRecord[]): string {
  const reasons = [...new Set(records.flatMap((r) => Object.keys(r.rejected)))].sort();
  const lines = [
    `| Class | Seed | Target | Generated | Accepted | ${reasons.map((reason) => `Rejected: ${markdownText(reason)}`).join(' | ')}${reasons.length ? ' | ' : ''}Reached target |`,
    `|---|---:|---:|---:|---:|${reasons.map(() => '---:|').join('')}---|`,
  ];
  for (const r of records) {
    const rejected = reasons.map((reason) => String(r.rejected[reason] ?? 0)).join(' | ');
    lines.push(`| ${markdownText(r.className)} | ${r.seed} | ${r.target} | ${r.generated} | ${r.accepted} | ${rejected}${reasons.length ? ' | ' : ''}${r.reachedTarget ? 'yes' : 'no: attempt limit'} |`);
  }
  return lines.join('\n');
}

/**
 * Formats the classifiers stage's records as a Markdown table: per arm and seed, the training
 * rows per class, the best epoch and its validation AUROC, or why the arm was not trained.
 */
export function formatClassifierTable(run: RunDirectory, config: ExperimentConfig): string {
  const lines = ['| Arm | Seed | Training rows per class | Best epoch | Validation AUROC |', '|---|---:|---|---:|---:|'];
  for (const arm of config.arms.filter((a) => armIsAvailable(a, config.dataset.rareTrainCount))) {
    for (const seed of config.seeds) {
      const file = classifierRecordFile(arm, seed);
      if (!fs.existsSync(run.path(file))) {
        lines.push(`| ${arm} | ${seed} | not trained yet | | |`);
        continue;
      }
      const record = run.readJson<ClassifierRecord | SkippedClassifier>(file);
      if ('skipped' in record) lines.push(`| ${arm} | ${seed} | skipped: ${markdownText(record.skipped)} | | |`);
      else lines.push(`| ${arm} | ${seed} | ${record.trainCounts.join(' / ')} | ${record.bestEpoch} | ${record.bestValAuroc.toFixed(3)} |`);
    }
  }
  return lines.join('\n');
}
