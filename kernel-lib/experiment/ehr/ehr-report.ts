/**
 * report.md of an EHR run: TRTR and TSTR on the real test patients (overall and per subgroup),
 * the discriminative score, the worst variables by Wasserstein distance, and cost.
 */
import * as fs from 'fs';
import { LOG_TRANSFORMED_VARIABLES } from '../../ehr/value-transform';
import { markdownText } from '../../util/markdown';
import { writeFileAtomic } from '../../util/atomic-write';
import { RunDirectory } from '../run-dir';

interface Metric {
  value: number;
  reason: string | null;
}

interface TrainTest {
  status: string;
  reason?: string;
  auroc: Metric;
  auprc: Metric;
  notes: string[];
  subgroups: { name: string; groups: { group: string; n: number; positives: number; auroc: Metric }[] }[];
}

interface ModelMetrics {
  syntheticPatients: number;
  tstr: TrainTest;
  aurocGap: Metric;
  discriminative: { accuracy: number; score: number; auroc: number; rowsPerClass: number };
  worstByWasserstein: { variable: string; unit: string; wasserstein1: number; realStd: number; relativeWasserstein1: number }[];
  correlationDistance: { frobenius: number; meanAbsolute: number };
  missingness: { meanAbsoluteMissingRateDifference: number };
  autocorrelationMeanAbsoluteDifference: number;
  vaeReconstructionOnRealTest: null | { overall: { normalisedRmse: number; maskAccuracy: number } };
}

const fmt = (m: Metric) => (m.reason === null && Number.isFinite(m.value) ? m.value.toFixed(3) : `n/a (${m.reason ?? 'undefined'})`);
const num = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

function trainTestCell(result: TrainTest): string {
  return result.status === 'ok' ? fmt(result.auroc) : `cannot train (${result.reason ?? ''})`;
}

/** Writes report.md from metrics.json, timings.json and the generation times. */
export function writeEhrReport(run: RunDirectory, kinds: readonly string[]): string {
  const metrics = run.readJson<{ realTestPatients: number; trtr: TrainTest; models: Record<string, ModelMetrics> }>('metrics.json');
  const timings = fs.existsSync(run.path('timings.json')) ? run.readJson<{ stages: Record<string, { seconds: number }> }>('timings.json') : { stages: {} };
  const lines: string[] = [];
  lines.push(`# EHR synthesis run ${markdownText(run.dir.split('/').pop() ?? '')}`, '');
  lines.push('All synthetic patients are SYNTHETIC; every AUROC below is measured on the REAL test patients.', '');
  lines.push(`## In-hospital death, ${metrics.realTestPatients} real test patients (logistic regression on per-variable summaries)`, '');
  lines.push('| Training data | AUROC | AUPRC | TRTR − TSTR |', '| --- | --- | --- | --- |');
  lines.push(`| real (TRTR) | ${fmt(metrics.trtr.auroc)} | ${fmt(metrics.trtr.auprc)} | |`);
  for (const kind of kinds) {
    const m = metrics.models[kind];
    if (!m) continue;
    lines.push(`| ${kind} synthetic (TSTR, ${m.syntheticPatients} patients) | ${trainTestCell(m.tstr)} | ${m.tstr.status === 'ok' ? fmt(m.tstr.auprc) : 'n/a'} | ${fmt(m.aurocGap)} |`);
  }
  lines.push('', '### Per subgroup (AUROC on the real test patients)', '');
  lines.push(`| Subgroup | n | deaths | TRTR | ${kinds.map((k) => `TSTR ${k}`).join(' | ')} |`, `| --- | --- | --- | --- | ${kinds.map(() => '---').join(' | ')} |`);
  for (const subgroup of metrics.trtr.subgroups) {
    for (const group of subgroup.groups) {
      const cells = kinds.map((kind) => {
        const g = metrics.models[kind]?.tstr.subgroups.find((s) => s.name === subgroup.name)?.groups.find((x) => x.group === group.group);
        return g ? fmt(g.auroc) : 'n/a';
      });
      lines.push(`| ${subgroup.name}: ${group.group} | ${group.n} | ${group.positives} | ${fmt(group.auroc)} | ${cells.join(' | ')} |`);
    }
  }
  for (const kind of kinds) {
    const m = metrics.models[kind];
    if (!m) continue;
    lines.push('', `## ${kind} model: fidelity against the real training patients`, '');
    lines.push(`- Discriminative score |accuracy − 0.5|: ${num(m.discriminative.score)} (accuracy ${num(m.discriminative.accuracy)}, AUROC ${num(m.discriminative.auroc)}, ${m.discriminative.rowsPerClass} rows per class, 0 is indistinguishable).`);
    lines.push(`- Correlation-matrix distance (mean absolute over variable pairs): ${num(m.correlationDistance.meanAbsolute)}.`);
    lines.push(`- Mean absolute missing-rate difference: ${num(m.missingness.meanAbsoluteMissingRateDifference)}; autocorrelation mean absolute difference: ${num(m.autocorrelationMeanAbsoluteDifference)}.`);
    if (m.vaeReconstructionOnRealTest) {
      const o = m.vaeReconstructionOnRealTest.overall;
      lines.push(`- VAE reconstruction of the real test patients: RMSE ${num(o.normalisedRmse)} standard deviations, mask accuracy ${num(o.maskAccuracy)} (log-transformed variables: ${LOG_TRANSFORMED_VARIABLES.join(', ')} are compared in log units).`);
    }
    lines.push('', 'Worst five variables by Wasserstein-1 relative to the real standard deviation:', '', '| Variable | W1 | unit | W1 / real SD |', '| --- | --- | --- | --- |');
    for (const w of m.worstByWasserstein) lines.push(`| ${w.variable} | ${num(w.wasserstein1)} | ${w.unit} | ${num(w.relativeWasserstein1)} |`);
    const unseen = m.tstr.notes.filter((note) => note.includes('unseen'));
    for (const note of unseen) lines.push('', `Note: ${note}`);
    if (m.tstr.notes.length > unseen.length) lines.push('', `The TSTR encoder left ${m.tstr.notes.length - unseen.length} further notes (constant or missing columns); they are in metrics.json.`);
  }
  lines.push('', '## Cost (wall time on this machine)', '', '| Stage | Seconds |', '| --- | --- |');
  for (const [stage, t] of Object.entries(timings.stages)) lines.push(`| ${stage} | ${t.seconds} |`);
  const text = lines.join('\n') + '\n';
  writeFileAtomic(run.path('report.md'), text);
  return text;
}
