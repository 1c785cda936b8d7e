import { z } from 'zod';
import { PREDICTION_TYPES } from '../diffusion/parameterization';
import { ImageDiffusionTrainingSchema, ScheduleConfigSchema, UNetConfigSchema } from './image-diffusion-config';

/** Contents of `model.json` in the directory of a report-conditioned image diffusion model. */
export const ReportImageModelSchema = z
  .object({
    format: z.literal('medsynth-report-image-diffusion'),
    version: z.literal(1),
    unet: UNetConfigSchema,
    schedule: ScheduleConfigSchema,
    predictionType: z.enum(PREDICTION_TYPES),
    image: z.object({ height: z.number().int().positive(), width: z.number().int().positive() }),
    /** The frozen text encoder whose report embeddings condition the network. */
    context: z
      .object({
        dim: z.number().int().positive(),
        /** Directory of the text encoder, as given when training (absolute, or relative to the model directory). */
        encoderDir: z.string().min(1),
        /** SHA-256 of the encoder's weights file, so a changed encoder is caught before sampling. */
        encoderSha256: z.string(),
      })
      .strict(),
    dataset: z.object({ name: z.string(), source: z.string(), license: z.string().optional(), pairing: z.string() }).strict(),
    training: ImageDiffusionTrainingSchema,
    createdAt: z.string(),
    backend: z.string().optional(),
  })
  .strict();

export type ReportImageModel = z.infer<typeof ReportImageModelSchema>;
