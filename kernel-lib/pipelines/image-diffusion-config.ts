import { z } from 'zod';
import { BETA_SCHEDULES } from '../diffusion/schedules';
import { PREDICTION_TYPES } from '../diffusion/parameterization';

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
  })
  .strict();

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
