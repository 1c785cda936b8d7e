import * as fs from 'fs';
import { makeDirectory } from '../../util/make-directory';
import { loadImageDiffusionModel } from '../../pipelines/image-diffusion';
import { predictProbabilities } from '../../classify/predict';
import { disposeParams } from '../../nets/params';
import { generateAcceptedImages } from '../../augment/generate-accepted';
import { makeSyntheticFilter, REJECTION_REASONS } from '../../augment/synthetic-filter';
import { memorizationThreshold } from '../../augment/memorization';
import { classCounts } from '../../data/image-dataset';
import { saveNpz } from '../../data/npz-writer';
import { syntheticPngText, tileImages, writeGrayPng } from '../../io/png';
import { StageContext } from '../context';
import { loadClassifier } from './classifier-io';
import { FILTER_CLASSIFIER_FILE } from './filter-classifier';

/** Per seed and rare class: how generation went. */
export interface GenerationRecord {
  seed: number;
  className: string;
  classIndex: number;
  target: number;
  accepted: number;
  generated: number;
  rejected: Record<string, number>;
  /** Passed the filter after the target was reached; not kept. */
  surplus: number;
  reachedTarget: boolean;
}

export function syntheticFile(seed: number): string {
  return `synthetic/synthetic_seed${seed}.npz`;
}

/**
 * Generates, for each seed, `multiplier × n_real` accepted synthetic images of every rare
 * class. The real-data classifier and the memorisation check filter them. The stage writes
 * `synthetic/synthetic_seed<seed>.npz` (images, labels, a synthetic flag of ones), a sample
 * grid per class and example images of each outcome. Seeds already written are skipped.
 */
export function runGenerationStage(ctx: StageContext): void {
  const { dataset, rareClasses } = ctx.data;
  const { generation } = ctx.config;
  const train = dataset.splits.train;
  const size = dataset.height * dataset.width;
  const counts = classCounts(train, dataset.classNames.length);
  makeDirectory(ctx.run.path('synthetic'));

  const memorizationDistance = generation.memorizationDistance ?? memorizationThreshold(train.images, size, generation.memorizationPercentile);
  const filterModel = loadClassifier(ctx.run.path(FILTER_CLASSIFIER_FILE));
  const loaded = loadImageDiffusionModel(ctx.run.path('diffusion'));
  const records: GenerationRecord[] = [];
  try {
    for (const seed of ctx.config.seeds) {
      const file = ctx.run.path(syntheticFile(seed));
      const recordFile = `synthetic/generation_seed${seed}.json`;
      if (fs.existsSync(file) && fs.existsSync(ctx.run.path(recordFile))) {
        records.push(...ctx.run.readJson<GenerationRecord[]>(recordFile));
        continue;
      }
      const seedRecords: GenerationRecord[] = [];
      const images: Uint8Array[] = [];
      const labels: number[] = [];
      for (const classIndex of rareClasses) {
        const className = dataset.classNames[classIndex];
        const target = Math.max(1, Math.round(generation.multiplier * counts[classIndex]));
        const bar = ctx.progress(`generate ${className} (seed ${seed})`, target, 'accepted');
        const filter = makeSyntheticFilter({
          classIndex,
          minProbability: generation.minProbability,
          predictProbabilities: (pixels, count) =>
            predictProbabilities(filterModel.config, filterModel.params, { pixels: pixels.subarray(0, count * size), height: dataset.height, width: dataset.width }),
          numClasses: dataset.classNames.length,
          trainImages: train.images,
          size,
          memorizationDistance,
        });
        const result = generateAcceptedImages(loaded, {
          classIndex,
          targetCount: target,
          maxGenerated: Math.ceil(generation.maxAttemptsFactor * target),
          guidanceScale: generation.guidanceScale,
          sampler: generation.sampler,
          numInferenceSteps: generation.numInferenceSteps,
          // Distinct, reproducible streams per seed and class.
          seed: ctx.config.seed * 1_000_003 + seed * 1009 + classIndex * 100_003,
          filter,
          onProgress: (p) => bar.update(p.accepted, `${p.generated} generated`),
        });
        bar.stop();
        images.push(result.images);
        for (let i = 0; i < result.accepted; i++) labels.push(classIndex);
        const safeName = className.replace(/[^A-Za-z0-9_-]+/g, '-');
        const details = { Class: className, Seed: String(seed), Run: ctx.config.name };
        if (result.accepted > 0) {
          const gridCount = Math.min(result.accepted, 36);
          const grid = tileImages(result.images, gridCount, dataset.height, dataset.width, 6);
          writeGrayPng(ctx.run.path('synthetic', `synthetic_grid_${safeName}_seed${seed}.png`), grid.pixels, grid.width, grid.height, syntheticPngText(details));
        }
        const examples: Record<string, Uint8Array> = {};
        for (const outcome of ['accepted', ...REJECTION_REASONS] as const) {
          const list = result.examples[outcome];
          examples[outcome] = new Uint8Array(list.length * size);
          list.forEach((image, i) => examples[outcome].set(image, i * size));
        }
        saveNpz(ctx.run.path('synthetic', `synthetic_examples_${safeName}_seed${seed}.npz`), {
          accepted: { data: examples.accepted, shape: [examples.accepted.length / size, dataset.height, dataset.width] },
          low_confidence: { data: examples['low-confidence'], shape: [examples['low-confidence'].length / size, dataset.height, dataset.width] },
          memorised: { data: examples.memorised, shape: [examples.memorised.length / size, dataset.height, dataset.width] },
        });
        const record: GenerationRecord = {
          seed,
          className,
          classIndex,
          target,
          accepted: result.accepted,
          generated: result.generated,
          rejected: result.rejected,
          surplus: result.surplus,
          reachedTarget: result.reachedTarget,
        };
        seedRecords.push(record);
        ctx.say(
          `generation seed ${seed}, ${className}: ${result.accepted}/${target} accepted from ${result.generated} generated` +
            ` (rejected: ${REJECTION_REASONS.map((r) => `${r} ${result.rejected[r]}`).join(', ')}; passed but beyond the target: ${result.surplus})` +
            (result.reachedTarget ? '' : ' — attempt limit reached before the target'),
        );
      }
      const total = labels.length;
      const all = new Uint8Array(total * size);
      let offset = 0;
      for (const part of images) {
        all.set(part, offset);
        offset += part.length;
      }
      saveNpz(file, {
        images: { data: all, shape: [total, dataset.height, dataset.width] },
        labels: { data: Int32Array.from(labels), shape: [total] },
        synthetic: { data: new Uint8Array(total).fill(1), shape: [total] },
      });
      ctx.run.writeJson(seedRecords, recordFile);
      records.push(...seedRecords);
    }
    ctx.run.writeJson({ memorizationDistance, records }, 'generation.json');
  } finally {
    loaded.dispose();
    disposeParams(filterModel.params);
  }
}
