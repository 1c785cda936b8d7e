import { z } from 'zod';
import { PREDICTION_TYPES } from '../diffusion/parameterization';
import { AUTOENCODER_FACTORS } from '../nets/autoencoder';
import { RECONSTRUCTION_LOSSES } from '../train/autoencoder-loss';
import { ImageDiffusionTrainingSchema, ScheduleConfigSchema, UNetConfigSchema } from './image-diffusion-config';

/**
 * Autoencoder architecture. `widths` defaults by factor ([32, 64] for 4, [32, 64, 64] for 8)
 * and needs log2(factor) entries.
 */
export const AutoencoderConfigSchema = z
  .object({
    factor: z
      .number()
      .int()
      .refine((value) => (AUTOENCODER_FACTORS as readonly number[]).includes(value), { message: `must be one of ${AUTOENCODER_FACTORS.join(', ')}` })
      .default(4),
    widths: z.array(z.number().int().positive()).min(1).nullable().default(null),
    latentChannels: z.number().int().min(1).default(4),
    normGroups: z.number().int().min(1).default(8),
  })
  .strict();

/**
 * Autoencoder training settings. `beta` weighs the KL term against the reconstruction error
 * summed over an image's pixels, the scale of Stable Diffusion's first stage, whose β is 1e-6.
 * Values from 1e-6 to 1e-4 keep the latent close to a deterministic code while bounding its
 * scale; larger values blur the reconstructions.
 */
export const AutoencoderTrainingSchema = z
  .object({
    batchSize: z.number().int().min(1).default(16),
    numSteps: z.number().int().min(1).default(1000),
    learningRate: z.number().positive().default(1e-3),
    beta: z.number().min(0).default(1e-6),
    reconstructionLoss: z.enum(RECONSTRUCTION_LOSSES).default('l1'),
    /** Side of random square training crops (a multiple of the factor), or null for whole images. */
    cropSize: z.number().int().positive().nullable().default(null),
    gradClipNorm: z.number().positive().nullable().default(null),
    seed: z.number().int().default(0),
    checkpointEvery: z.number().int().min(1).default(200),
  })
  .strict();

/** Contents of `model.json` in a latent diffusion model directory. */
export const LatentImageDiffusionModelSchema = z
  .object({
    format: z.literal('medsynth-latent-image-diffusion'),
    version: z.literal(1),
    autoencoder: z
      .object({
        factor: z.number().int(),
        widths: z.array(z.number().int().positive()).min(1),
        latentChannels: z.number().int().min(1),
        normGroups: z.number().int().min(1),
      })
      .strict(),
    autoencoderTraining: AutoencoderTrainingSchema,
    /**
     * Latent grid and scale. The diffusion model is trained on scaleFactor · μ(x), where μ is the
     * encoder's posterior mean and scaleFactor = 1 / standard deviation of μ over every element of
     * the training split, so the latents have unit variance like the noise (Rombach et al. 2022,
     * section G). null until the training images are encoded.
     */
    latent: z
      .object({
        height: z.number().int().positive(),
        width: z.number().int().positive(),
        channels: z.number().int().positive(),
        scaleFactor: z.number().positive().nullable(),
      })
      .strict(),
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

export type AutoencoderTrainingSettings = z.infer<typeof AutoencoderTrainingSchema>;
export type LatentImageDiffusionModel = z.infer<typeof LatentImageDiffusionModelSchema>;
