import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { ImageDiffusionTrainingSchema, ScheduleConfigSchema, UNetConfigSchema, formatZodError } from '../pipelines/image-diffusion-config';
import { SAMPLERS } from '../diffusion/samplers';

/**
 * Training arms of the rare-condition experiment. Every arm is evaluated on the same real
 * test split with the same classifier recipe and seeds.
 */
export const ARMS = ['real-only', 'class-weighted', 'oversampling', 'augmentation', 'real+synthetic', 'synthetic-only', 'all-real'] as const;
export type Arm = (typeof ARMS)[number];

export const ARM_DESCRIPTIONS: Record<Arm, string> = {
  'real-only': 'real training images only',
  'class-weighted': 'real images, cross-entropy weighted by inverse class frequency',
  oversampling: 'real images, rare-class rows drawn as often as the common class',
  augmentation: 'real images, oversampled, rare-class rows rotated, shifted and intensity-jittered',
  'real+synthetic': 'real images plus filtered diffusion-synthetic images of the rare class',
  'synthetic-only': 'rare class from synthetic images only, other classes real (train on synthetic, test on real)',
  'all-real': 'every real training image of the rare class (upper reference; only with rareTrainCount)',
};

const ClassifierSchema = z
  .object({
    widths: z.array(z.number().int().positive()).min(1).default([16, 32, 64]),
    batchSize: z.number().int().min(1).default(32),
    maxEpochs: z.number().int().min(1).default(30),
    learningRate: z.number().positive().default(1e-3),
    patience: z.number().int().min(1).default(5),
    /** No early stop before this epoch, so that a network stuck at the class prior for the first epochs gets past it. */
    minEpochs: z.number().int().min(1).default(1),
  })
  .strict();

const AugmentationSchema = z
  .object({
    maxRotationDegrees: z.number().min(0).max(180).default(10),
    maxShiftPixels: z.number().int().min(0).default(2),
    brightness: z.number().min(0).lt(1).default(0.1),
    contrast: z.number().min(0).lt(1).default(0.1),
  })
  .strict();

const GenerationSchema = z
  .object({
    /** Accepted synthetic images per rare class = multiplier × real training images of that class. */
    multiplier: z.number().positive({ message: 'multiplier must be > 0 (synthetic images per real rare image)' }).default(10),
    guidanceScale: z.number().min(0).default(3),
    sampler: z.enum(SAMPLERS).default('dpmsolver++'),
    numInferenceSteps: z.number().int().min(1).default(25),
    /** Stop generating for a class after maxAttemptsFactor × target images even if fewer passed. */
    maxAttemptsFactor: z.number().min(1).default(4),
    /** The filter classifier must give the intended class at least this probability. */
    minProbability: z.number().min(0).max(1).default(0.5),
    /** Reject synthetic images closer to a training image than this percentile of training nearest-neighbour distances. */
    memorizationPercentile: z.number().min(0).max(100).default(1),
    /** Fixed memorisation distance (pixels / 255, Euclidean) instead of the percentile. */
    memorizationDistance: z.number().min(0).nullable().default(null),
  })
  .strict();

export const ExperimentConfigSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'name may contain letters, digits, dot, underscore and hyphen only'),
    description: z.string().default(''),
    dataset: z
      .object({
        /** Registered name (pneumoniamnist, breastmnist, chest-phantom, demo) or a path to a .npz file or PNG folder. */
        source: z.string().min(1),
        /** File to read for a registered MedMNIST `source` instead of the registry's local copies; its class names, licence and citation still apply. */
        path: z.string().min(1).optional(),
        /** Keep only these classes, in this order (default: all). */
        classes: z.array(z.string()).min(2).optional(),
        /** Class whose detection the headline metrics describe (sensitivity, ECE on its probability). */
        positiveClass: z.string(),
        /** Classes to augment; default: the positive class. */
        rareClasses: z.array(z.string()).min(1).optional(),
        /** Keep only this many (seeded) training images of each rare class; validation and test are never touched. */
        rareTrainCount: z.number().int().min(1).nullable().default(null),
      })
      .strict(),
    seed: z.number().int().default(0),
    /** Seeds for generation and classifier training; at least 3 for headline comparisons. */
    seeds: z.array(z.number().int()).min(1).default([0, 1, 2]),
    arms: z.array(z.enum(ARMS)).min(1).default([...ARMS]),
    diffusion: z
      .object({
        unet: UNetConfigSchema.default({}),
        schedule: ScheduleConfigSchema.default({}),
        predictionType: z.enum(['epsilon', 'v_prediction']).default('epsilon'),
        training: ImageDiffusionTrainingSchema.default({}),
      })
      .strict()
      .default({}),
    generation: GenerationSchema.default({}),
    classifier: ClassifierSchema.default({}),
    augmentation: AugmentationSchema.default({}),
    evaluation: z
      .object({
        bootstrapResamples: z.number().int().min(10).default(1000),
        eceBins: z.number().int().min(1).default(15),
      })
      .strict()
      .default({}),
  })
  .strict();

export type ExperimentConfig = z.infer<typeof ExperimentConfigSchema>;

/** Unwraps defaults, optionals and nullables down to the schema that checks the value itself. */
function innerSchema(schema: z.ZodTypeAny): z.ZodTypeAny {
  let current = schema;
  while (current instanceof z.ZodDefault || current instanceof z.ZodOptional || current instanceof z.ZodNullable) {
    current = current._def.innerType;
  }
  return current;
}

/** Returns the keys allowed in the config object at `fieldPath` (empty for the top level), or [] where no object is expected. */
function allowedKeys(fieldPath: (string | number)[]): string[] {
  let schema = innerSchema(ExperimentConfigSchema);
  for (const key of fieldPath) {
    const field = schema instanceof z.ZodObject ? (schema.shape as Record<string, z.ZodTypeAny>)[String(key)] : undefined;
    if (field === undefined) return [];
    schema = innerSchema(field);
  }
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

/** Validates a parsed JSON value; errors name the field, the value and the allowed values. */
export function parseExperimentConfig(raw: unknown, source: string): ExperimentConfig {
  const result = ExperimentConfigSchema.safeParse(raw);
  if (!result.success) {
    // zod names an unknown key but not the keys that are allowed in its place.
    const keyHints = result.error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys' ? [`allowed keys in ${issue.path.join('.') || 'the top level'}: ${allowedKeys(issue.path).join(', ')}`] : [],
    );
    throw new Error(`invalid experiment config ${source}: ${[formatZodError(result.error, raw), ...keyHints].join('; ')}`);
  }
  const { minEpochs, maxEpochs } = result.data.classifier;
  if (minEpochs > maxEpochs) {
    throw new Error(`invalid experiment config ${source}: classifier.minEpochs (${minEpochs}) must not exceed classifier.maxEpochs (${maxEpochs}); lower minEpochs or raise maxEpochs`);
  }
  if (!result.data.arms.includes('real-only')) {
    throw new Error(`invalid experiment config ${source}: arms must include 'real-only', the reference every arm is compared with (got ${JSON.stringify(result.data.arms)})`);
  }
  return result.data;
}

/**
 * Resolves `medsynth run <target>`: a path to a JSON file, or a bare name looked up as
 * `experiments/<name>.json` under the project root.
 */
export function resolveExperimentConfig(target: string, projectRoot: string): string {
  const candidates = [path.resolve(target)];
  if (!target.endsWith('.json') && !target.includes('/')) candidates.push(path.join(projectRoot, 'experiments', `${target}.json`));
  const found = candidates.find((candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile());
  if (!found) {
    throw new Error(`experiment config not found: looked for ${candidates.join(' and ')}; pass a JSON file or a name from experiments/`);
  }
  return found;
}

export function loadExperimentConfig(filePath: string): ExperimentConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(filePath, 'utf8'));
  } catch (err) {
    throw new Error(`experiment config ${filePath} is not valid JSON (${(err as Error).message}); fix the syntax`);
  }
  return parseExperimentConfig(raw, filePath);
}
