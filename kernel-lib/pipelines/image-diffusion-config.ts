import { z } from 'zod';
import { BETA_SCHEDULES } from '../diffusion/schedules';
import { PREDICTION_TYPES } from '../diffusion/parameterization';
import { RDP_CONVERSIONS } from '../privacy/dp-parameters';

/**
 * DP-SGD settings of a training run (Abadi et al. 2016). Exactly one of `targetEpsilon` and
 * `noiseMultiplier` is given, and a target ε is turned into the smallest noise multiplier that
 * meets it over `numSteps` steps. The training's `batchSize` and `gradClipNorm` are then not
 * used, because each step Poisson-samples every training row with probability `sampleRate` and
 * clips each row's gradient to `clipNorm`.
 */
export const DpTrainingSchema = z
  .object({
    targetEpsilon: z.number().positive().nullable().default(null),
    noiseMultiplier: z.number().positive().nullable().default(null),
    clipNorm: z.number().positive().default(1),
    sampleRate: z.number().positive().max(1),
    delta: z.number().positive().lt(1).default(1e-5),
  })
  .strict()
  .refine((settings) => (settings.targetEpsilon === null) !== (settings.noiseMultiplier === null), {
    message: 'give exactly one of targetEpsilon and noiseMultiplier',
  });

/** The privacy guarantee of a trained model, as recorded in model.json. */
export const DpRecordSchema = z
  .object({
    /** σ: per-coordinate noise standard deviation divided by clipNorm. */
    noiseMultiplier: z.number().positive(),
    sampleRate: z.number().positive().max(1),
    clipNorm: z.number().positive(),
    delta: z.number().positive().lt(1),
    /** Number of training rows N that the sampling rate refers to. */
    datasetSize: z.number().int().positive(),
    /** Noisy steps taken so far. */
    steps: z.number().int().min(0),
    /** ε after `steps` steps at `delta`, from the RDP accountant with `conversion`. */
    epsilon: z.number().min(0),
    conversion: z.enum(RDP_CONVERSIONS),
  })
  .strict();

/** Training settings of an image diffusion model, with their defaults. */
export const ImageDiffusionTrainingSchema = z
  .object({
    batchSize: z.number().int().min(1).default(64),
    numSteps: z.number().int().min(1).default(2000),
    learningRate: z.number().positive().default(2e-4),
    emaDecay: z.number().min(0).lt(1).default(0.999),
    conditionDropout: z.number().min(0).lt(1).default(0.1),
    gradClipNorm: z.number().positive().nullable().default(1),
    seed: z.number().int().default(0),
    checkpointEvery: z.number().int().min(1).default(200),
    /**
     * Worker threads that share each batch (data-parallel training, one backend per worker).
     * 1 trains on the calling thread. More workers give the same results up to float rounding.
     */
    workers: z.number().int().min(1).default(1),
    /** DP-SGD settings. When null, training takes plain Adam steps. */
    privacy: DpTrainingSchema.nullable().default(null),
  })
  .strict();

export const UNetConfigSchema = z
  .object({
    widths: z.array(z.number().int().positive()).min(1).default([32, 64, 64]),
    numResBlocks: z.number().int().min(1).default(1),
    embeddingDim: z.number().int().min(2).default(128),
    normGroups: z.number().int().min(1).default(8),
    midAttention: z.boolean().default(true),
  })
  .strict();

export const ScheduleConfigSchema = z
  .object({
    numTrainTimesteps: z.number().int().min(2).default(1000),
    betaSchedule: z.enum(BETA_SCHEDULES).default('linear'),
    betaStart: z.number().positive().default(1e-4),
    betaEnd: z.number().positive().default(0.02),
    zeroTerminalSnr: z.boolean().default(false),
  })
  .strict();

/** Contents of `model.json` in a model directory. */
export const ImageDiffusionModelSchema = z
  .object({
    format: z.literal('medsynth-image-diffusion'),
    version: z.literal(1),
    unet: UNetConfigSchema,
    schedule: ScheduleConfigSchema,
    predictionType: z.enum(PREDICTION_TYPES),
    image: z.object({ height: z.number().int().positive(), width: z.number().int().positive() }),
    classNames: z.array(z.string()).min(1),
    dataset: z.object({ name: z.string(), source: z.string(), license: z.string().optional(), citation: z.string().optional() }),
    training: ImageDiffusionTrainingSchema,
    createdAt: z.string(),
    backend: z.string().optional(),
    /** Privacy guarantee of a model trained with `training.privacy`, null otherwise. */
    privacy: DpRecordSchema.nullable().default(null),
  })
  .strict();

export type DpTrainingSettings = z.infer<typeof DpTrainingSchema>;
export type DpRecord = z.infer<typeof DpRecordSchema>;
export type ImageDiffusionModel = z.infer<typeof ImageDiffusionModelSchema>;
export type ImageDiffusionTraining = z.infer<typeof ImageDiffusionTrainingSchema>;

/**
 * Formats a zod error as "field: problem (got value)" entries. `raw` is the validated input,
 * used to show the value that was rejected.
 */
export function formatZodError(error: z.ZodError, raw?: unknown): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.join('.') || '(root)';
      let value: unknown = raw;
      for (const key of issue.path) value = value !== null && typeof value === 'object' ? (value as Record<string | number, unknown>)[key] : undefined;
      const got = raw !== undefined && value !== undefined && issue.path.length > 0 ? ` (got ${JSON.stringify(value)})` : '';
      return `${field}: ${issue.message}${got}`;
    })
    .join('; ');
}
