/**
 * Test-set AUROC of fusion models with every non-empty subset of modalities available, and
 * the table of those AUROCs over training seeds, as data and as Markdown.
 */
import { bootstrapMetric } from '../eval/bootstrap';
import { auroc } from '../eval/roc';
import { Params } from '../nets/params';
import { markdownText } from '../util/markdown';
import { predictFusion } from './fusion-batches';
import { FusionConfig } from './fusion-model';
import { MODALITIES, Modality, MultimodalDataset } from './modalities';

/** Non-empty subsets of `modalities`, largest first, each in MODALITIES order. */
export function modalitySubsets(modalities: readonly Modality[] = MODALITIES): Modality[][] {
  const ordered = MODALITIES.filter((m) => modalities.includes(m));
  const subsets: Modality[][] = [];
  for (let bits = 1; bits < 1 << ordered.length; bits++) subsets.push(ordered.filter((_, i) => (bits >> i) & 1));
  return subsets.sort((a, b) => b.length - a.length);
}

/** AUROC of one model with one subset of modalities available. */
export interface SubsetAuroc {
  available: Modality[];
  /** AUROC on the full test set; NaN when the model reads none of the available modalities. */
  value: number;
  /** Bootstrap percentile interval (level of the evaluation, 0.95 by default). */
  lower: number;
  upper: number;
  /** Reason that `value` is NaN, or null. */
  reason: string | null;
}

/**
 * Scores `test` once per subset in `subsets` (default every non-empty subset of MODALITIES):
 * a modality outside the subset, or absent for an example, is replaced by the missing embedding.
 * `indices` are bootstrap index sets of the test set (bootstrapIndices), shared by every model
 * and subset so their intervals come from the same resamples.
 */
export function evaluateModalitySubsets(
  model: { config: FusionConfig; params: Params },
  test: MultimodalDataset,
  indices: readonly Int32Array[],
  subsets: readonly (readonly Modality[])[] = modalitySubsets(),
  level = 0.95,
): SubsetAuroc[] {
  return subsets.map((subset) => {
    const available = MODALITIES.filter((m) => subset.includes(m));
    if (!model.config.modalities.some((m) => available.includes(m))) {
      return { available, value: NaN, lower: NaN, upper: NaN, reason: `the model reads none of ${available.join(', ')}` };
    }
    const scores = predictFusion(model.config, model.params, test, available);
    const estimate = bootstrapMetric({ labels: test.labels, scores }, (labels, s) => auroc(labels, s).value, indices, level);
    return { available, value: estimate.value, lower: estimate.lower, upper: estimate.upper, reason: null };
  });
}

/** One model's subset AUROCs from one training seed. */
export interface SeedSubsetResult {
  model: string;
  seed: number;
  subsets: SubsetAuroc[];
}

/** One row of the table: a model with one subset available, over the seeds. */
export interface ModalityDropoutRow {
  model: string;
  available: Modality[];
  perSeed: { seed: number; value: number; lower: number; upper: number }[];
  /** Mean of the per-seed AUROCs. */
  mean: number;
  /** Sample standard deviation (n − 1) of the per-seed AUROCs; NaN with one seed. */
  sd: number;
  /** Reason that the AUROC is undefined (the model reads none of the available modalities), or null. */
  reason: string | null;
}

/** Groups per-seed results into rows by model and subset, in the order they first appear. */
export function summariseOverSeeds(results: readonly SeedSubsetResult[]): ModalityDropoutRow[] {
  const rows = new Map<string, ModalityDropoutRow>();
  for (const result of results) {
    for (const subset of result.subsets) {
      const key = `${result.model}|${subset.available.join('+')}`;
      let row = rows.get(key);
      if (!row) {
        row = { model: result.model, available: subset.available, perSeed: [], mean: NaN, sd: NaN, reason: subset.reason };
        rows.set(key, row);
      }
      row.perSeed.push({ seed: result.seed, value: subset.value, lower: subset.lower, upper: subset.upper });
    }
  }
  for (const row of rows.values()) {
    const values = row.perSeed.map((s) => s.value);
    row.mean = values.reduce((a, b) => a + b, 0) / values.length;
    row.sd = values.length > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - row.mean) ** 2, 0) / (values.length - 1)) : NaN;
  }
  return Array.from(rows.values());
}

function formatNumber(value: number): string {
  return Number.isNaN(value) ? '—' : value.toFixed(3);
}

/**
 * Formats rows as a Markdown table: model, available modalities, AUROC [95% interval] per seed,
 * and mean ± SD over seeds. Undefined AUROCs show as '—'.
 */
export function formatModalityDropoutMarkdown(rows: readonly ModalityDropoutRow[]): string {
  const seeds = rows.length > 0 ? rows[0].perSeed.map((s) => s.seed) : [];
  const header = ['Model', 'Available', ...seeds.map((seed) => `Seed ${seed}: AUROC [95% CI]`), 'Mean ± SD'];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) {
    const perSeed = row.perSeed.map((s) => (Number.isNaN(s.value) ? '—' : `${formatNumber(s.value)} [${formatNumber(s.lower)}, ${formatNumber(s.upper)}]`));
    const summary = Number.isNaN(row.mean) ? '—' : `${formatNumber(row.mean)} ± ${formatNumber(row.sd)}`;
    lines.push(`| ${[markdownText(row.model), row.available.join(' + '), ...perSeed, summary].join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}
