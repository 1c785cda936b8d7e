import { z } from 'zod';
import { SAMPLERS } from '../diffusion/samplers';
import { TEXT_POOLINGS } from '../text/text-encoder';

/** Settings of the report experiment (text encoder, report-conditioned diffusion, evaluation), with defaults. */
export const ReportImageSettingsSchema = z
  .object({
    seed: z.number().int().default(0),
    tokenizer: z.object({ vocabSize: z.number().int().min(64).default(1000) }).strict().default({}),
    text: z
      .object({
        maxLength: z.number().int().min(4).default(64),
        modelDim: z.number().int().min(4).default(64),
        numLayers: z.number().int().min(1).default(2),
        numHeads: z.number().int().min(1).default(4),
        pooling: z.enum(TEXT_POOLINGS).default('cls'),
      })
      .strict()
      .default({}),
    image: z.object({ widths: z.array(z.number().int().positive()).min(1).default([16, 32, 64]) }).strict().default({}),
    /** Width of the joint embedding, and of the diffusion model's context vector. */
    embeddingDim: z.number().int().min(2).default(64),
    clip: z
      .object({
        batchSize: z.number().int().min(2).default(64),
        numSteps: z.number().int().min(1).default(1500),
        learningRate: z.number().positive().default(1e-3),
      })
      .strict()
      .default({}),
    diffusion: z
      .object({
        unet: z.record(z.unknown()).default({ widths: [16, 32, 32], embeddingDim: 64, normGroups: 8 }),
        schedule: z.record(z.unknown()).default({}),
        training: z.record(z.unknown()).default({ batchSize: 32, numSteps: 1500, learningRate: 5e-4, conditionDropout: 0.1 }),
      })
      .strict()
      .default({}),
    classifier: z
      .object({ maxEpochs: z.number().int().min(1).default(15), batchSize: z.number().int().min(1).default(64), patience: z.number().int().min(1).default(4) })
      .strict()
      .default({}),
    evaluation: z
      .object({
        guidanceScales: z.array(z.number().min(0)).min(1).default([0, 1, 2, 4]),
        /** Held-out reports per class to generate images for. */
        reportsPerClass: z.number().int().min(1).default(40),
        samplesPerReport: z.number().int().min(1).default(2),
        sampler: z.enum(SAMPLERS).default('dpmsolver++'),
        numInferenceSteps: z.number().int().min(1).default(20),
      })
      .strict()
      .default({}),
    variations: z.object({ n: z.number().int().min(1).default(5) }).strict().default({}),
  })
  .strict();

export type ReportImageSettings = z.infer<typeof ReportImageSettingsSchema>;

/** Tiny sizes for tests and the offline demo: minutes on one core, not meaningful numbers. */
export const QUICK_REPORT_IMAGE_SETTINGS = {
  tokenizer: { vocabSize: 300 },
  text: { maxLength: 96, modelDim: 32, numLayers: 1, numHeads: 2 },
  image: { widths: [8, 16, 16] },
  embeddingDim: 16,
  clip: { batchSize: 32, numSteps: 30, learningRate: 2e-3 },
  diffusion: {
    unet: { widths: [8, 16], embeddingDim: 16, normGroups: 4, midAttention: false },
    schedule: { numTrainTimesteps: 200 },
    training: { batchSize: 16, numSteps: 20, learningRate: 1e-3, conditionDropout: 0.2, checkpointEvery: 10 },
  },
  classifier: { maxEpochs: 2, batchSize: 32, patience: 2 },
  evaluation: { guidanceScales: [0, 3], reportsPerClass: 2, samplesPerReport: 1, numInferenceSteps: 4 },
  variations: { n: 2 },
} as const;
