import * as fs from 'fs';
import { loadCheckpoint } from '../../train/checkpoint';
import { writeFileAtomic } from '../../util/atomic-write';
import { StageContext } from '../context';
import { formatComparisonTable } from '../comparison-table';
import { grayPngDataUrl } from '../png-data-url';
import { renderReportHtml } from '../report-html';
import { ArmSummary, ReportData } from '../report-data';
import { ArmEvaluation } from '../evaluate-arms';
import { GenerationRecord } from './generation';
import { loadSyntheticExamples } from '../run-tables';

interface MetricsFile {
  notEvaluated: { arm: string; reason: string }[];
  warnings?: string[];
  classNames: string[];
  positiveClass: string;
  seeds: number[];
  classCounts: Record<string, number[]>;
  arms: (ArmEvaluation & { description: string; trainCounts: number[] })[];
}

/** JSON stores NaN as null; metrics read back from metrics.json turn null into NaN again. */
function num(value: number | null | undefined): number {
  return value === null || value === undefined ? NaN : value;
}

function exampleDataUrls(ctx: StageContext, className: string, seed: number): Record<string, string[]> {
  const { height, width } = ctx.data.dataset;
  const size = height * width;
  const out: Record<string, string[]> = {};
  for (const [outcome, images] of Object.entries(loadSyntheticExamples(ctx.run, className, seed))) {
    out[outcome] = Array.from({ length: images.length / size }, (_, i) => grayPngDataUrl(images.subarray(i * size, (i + 1) * size), width, height, 4));
  }
  return out;
}

/** Collects the run's files into the report data. */
export function buildReportData(ctx: StageContext): ReportData {
  const metrics = ctx.run.readJson<MetricsFile>('metrics.json');
  const generation = fs.existsSync(ctx.run.path('generation.json'))
    ? ctx.run.readJson<{ records: GenerationRecord[] }>('generation.json').records
    : [];
  const firstSeed = ctx.config.seeds[0];
  const checkpoint = ctx.run.path('diffusion', 'checkpoint.safetensors');
  const arms: ArmSummary[] = metrics.arms.map((arm) => ({
    arm: arm.arm,
    description: arm.description,
    metrics: Object.fromEntries(
      Object.entries(arm.metrics).map(([k, v]) => [k, { value: num(v.value), lower: num(v.lower), upper: num(v.upper) }]),
    ) as ArmSummary['metrics'],
    differenceFromRealOnly: arm.differenceFromReference
      ? Object.fromEntries(Object.entries(arm.differenceFromReference).map(([k, v]) => [k, { value: num(v.value), lower: num(v.lower), upper: num(v.upper) }]))
      : undefined,
    seedStd: { sensitivity: num(arm.seedStd.sensitivity), specificity: num(arm.seedStd.specificity), auroc: num(arm.seedStd.auroc), ece: num(arm.seedStd.ece) },
    roc: arm.roc,
    reliability: {
      meanPredicted: arm.reliability.meanPredicted.map(num),
      fractionPositive: arm.reliability.fractionPositive.map(num),
      count: arm.reliability.count,
    },
    trainCounts: arm.trainCounts,
  }));
  const { dataset } = ctx.data;
  return {
    title: `medsynth experiment: ${ctx.config.name}`,
    runId: ctx.run.dir.split('/').pop() as string,
    dataset: { name: dataset.name, source: dataset.source, license: dataset.license, citation: dataset.citation },
    classNames: metrics.classNames,
    positiveClass: metrics.positiveClass,
    classCounts: metrics.classCounts,
    diffusionLoss: fs.existsSync(checkpoint) ? loadCheckpoint(checkpoint).lossHistory : [],
    generation: {
      perClass: generation
        .filter((r) => r.seed === firstSeed)
        .map((r) => ({
          className: r.className,
          target: r.target,
          accepted: r.accepted,
          generated: r.generated,
          rejected: r.rejected,
          reachedTarget: r.reachedTarget,
          examples: exampleDataUrls(ctx, r.className, firstSeed),
        })),
    },
    arms,
    seeds: metrics.seeds,
    notes: [
      'Every metric in this report is computed on the REAL held-out test split; no synthetic image is ever used for evaluation.',
      'Decision thresholds are chosen on the real validation split (Youden J) and applied unchanged to the test split.',
      `Values are means over seeds ${metrics.seeds.join(', ')}; intervals are 95% percentile bootstrap intervals over ${ctx.config.evaluation.bootstrapResamples} test-set resamples.`,
      'Synthetic images are marked SYNTHETIC in their file names and PNG metadata.',
      ...metrics.notEvaluated.map((n) => `Arm ${n.arm} was not evaluated: ${n.reason}.`),
      ...(metrics.warnings ?? []).map((w) => `Warning: ${w}.`),
    ],
  };
}

/** Writes `report.html` and `comparison.md`, and prints the comparison table. */
export function runReportStage(ctx: StageContext): void {
  const data = buildReportData(ctx);
  writeFileAtomic(ctx.run.path('report.html'), renderReportHtml(data));
  const table = formatComparisonTable(data);
  const notes = data.notes.map((note) => `- ${note}`).join('\n');
  writeFileAtomic(ctx.run.path('comparison.md'), `${table}\n\n${notes}\n`);
  ctx.say(table);
}
