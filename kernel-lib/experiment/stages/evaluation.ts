import { ImageSplit } from '../../data/image-dataset';
import { ARM_DESCRIPTIONS, Arm } from '../config';
import { StageContext } from '../context';
import { evaluateArms } from '../evaluate-arms';
import { armIsAvailable, ClassifierRecord, classifierRecordFile, SkippedClassifier } from './classifiers';

export const REFERENCE_ARM: Arm = 'real-only';

/**
 * Evaluates every arm on the real test split and writes `metrics.json`. The file contains no
 * timings or dates, so two identical runs give identical files.
 */
export function runEvaluationStage(ctx: StageContext): void {
  const { dataset, positiveClass } = ctx.data;
  const records = new Map<Arm, ClassifierRecord[]>();
  const notEvaluated: { arm: Arm; reason: string }[] = [];
  for (const arm of ctx.config.arms) {
    if (!armIsAvailable(arm, ctx.config.dataset.rareTrainCount)) {
      notEvaluated.push({ arm, reason: 'all-real needs dataset.rareTrainCount; without it the arm equals real-only' });
      continue;
    }
    const loaded = ctx.config.seeds.map((seed) => ctx.run.readJson<ClassifierRecord | SkippedClassifier>(classifierRecordFile(arm, seed)));
    const skipped = loaded.filter((r): r is SkippedClassifier => 'skipped' in r);
    // An arm is compared only when every seed was trained, so means over seeds stay comparable.
    if (skipped.length > 0) notEvaluated.push({ arm, reason: skipped.map((r) => `seed ${r.seed}: ${r.skipped}`).join('; ') });
    else records.set(arm, loaded as ClassifierRecord[]);
  }
  const arms = [...records.keys()];

  // An arm that was meant to add synthetic images but got none repeats real-only, so it is flagged.
  const warnings: string[] = [];
  const realCounts = records.get(REFERENCE_ARM)?.map((r) => r.trainCounts.join());
  records.get('real+synthetic')?.forEach((r, i) => {
    if (realCounts && r.trainCounts.join() === realCounts[i]) {
      warnings.push(`real+synthetic seed ${r.seed} used no synthetic image (none passed the filter), so it repeats real-only`);
    }
  });
  for (const warning of warnings) ctx.say(`warning: ${warning}`);
  if (!records.has(REFERENCE_ARM)) throw new Error(`evaluation needs the '${REFERENCE_ARM}' arm as the reference; add it to \`arms\``);

  const evaluations = evaluateArms({
    arms: arms.map((arm) => ({ arm, seeds: (records.get(arm) as ClassifierRecord[]).map((r) => ({ seed: r.seed, validation: r.validation, test: r.test })) })),
    referenceArm: REFERENCE_ARM,
    validationLabels: (dataset.splits.val as ImageSplit).labels,
    testLabels: (dataset.splits.test as ImageSplit).labels,
    numClasses: dataset.classNames.length,
    positiveClass,
    resamples: ctx.config.evaluation.bootstrapResamples,
    eceBins: ctx.config.evaluation.eceBins,
    seed: ctx.config.seed,
  });

  ctx.run.writeJson(
    {
      note: 'Every metric is computed on the REAL held-out test split. Decision thresholds come from the real validation split (Youden J).',
      experiment: ctx.config.name,
      dataset: { name: dataset.name, source: dataset.source },
      classNames: dataset.classNames,
      positiveClass: dataset.classNames[positiveClass],
      seeds: ctx.config.seeds,
      bootstrap: { resamples: ctx.config.evaluation.bootstrapResamples, method: 'percentile, 95%', seed: ctx.config.seed },
      eceBins: ctx.config.evaluation.eceBins,
      classCounts: ctx.data.classCounts,
      notEvaluated,
      warnings,
      arms: evaluations.map((e) => ({
        ...e,
        description: ARM_DESCRIPTIONS[e.arm as Arm],
        trainCounts: (records.get(e.arm as Arm) as ClassifierRecord[])[0].trainCounts,
        bestEpochs: (records.get(e.arm as Arm) as ClassifierRecord[]).map((r) => r.bestEpoch),
      })),
    },
    'metrics.json',
  );
}
