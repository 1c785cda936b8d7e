import { z } from 'zod';
import { PREDICTION_TYPES } from '../diffusion/parameterization';
import { DpRecordSchema, DpTrainingSchema, ScheduleConfigSchema } from './image-diffusion-config';

/** The two EHR generators: diffusion over hourly trajectories, or over a VAE's latents. */
export const EHR_MODEL_KINDS = ['trajectory', 'latent'] as const;
export type EhrModelKind = (typeof EHR_MODEL_KINDS)[number];

export const EhrDiffusionTrainingSchema = z
  .object({
    batchSize: z.number().int().min(1).default(64),
    numSteps: z.number().int().min(1).default(3000),
    learningRate: z.number().positive().default(5e-4),
    emaDecay: z.number().min(0).lt(1).default(0.995),
    conditionDropout: z.number().min(0).lt(1).default(0.1),
    gradClipNorm: z.number().positive().nullable().default(1),
    seed: z.number().int().default(0),
    checkpointEvery: z.number().int().min(1).default(250),
    /** DP-SGD settings, for the 'trajectory' kind only. When null, training takes plain Adam steps. */
    privacy: DpTrainingSchema.nullable().default(null),
  })
  .strict();

export const TrajectoryTransformerSchema = z
  .object({
    // At least the channels per hour (80 for PhysioNet 2012), or the per-token projection cannot pass its input through.
    modelDim: z.number().int().min(2).default(128),
    numLayers: z.number().int().min(1).default(3),
    numHeads: z.number().int().min(1).default(4),
    mlpRatio: z.number().int().min(1).default(4),
  })
  .strict();

export const LatentMlpSchema = z
  .object({
    hiddenDim: z.number().int().min(2).default(256),
    numBlocks: z.number().int().min(1).default(4),
  })
  .strict();

export const EhrVaeSettingsSchema = z
  .object({
    latentDim: z.number().int().min(1).default(64),
    hiddenDim: z.number().int().min(1).default(512),
    numLayers: z.number().int().min(1).default(2),
    batchSize: z.number().int().min(1).default(64),
    numSteps: z.number().int().min(1).default(3000),
    learningRate: z.number().positive().default(1e-3),
    /** Weight of the KL term. */
    beta: z.number().min(0).default(0.01),
    seed: z.number().int().default(0),
    checkpointEvery: z.number().int().min(1).default(500),
  })
  .strict();

export const NormalisationStatsSchema = z.object({
  variables: z.array(z.string()),
  mean: z.array(z.number()),
  std: z.array(z.number()),
  count: z.array(z.number()),
});

/** Contents of `model.json` in an EHR model directory. */
export const EhrDiffusionModelSchema = z
  .object({
    format: z.literal('medsynth-ehr-diffusion'),
    version: z.literal(1),
    kind: z.enum(EHR_MODEL_KINDS),
    hours: z.number().int().positive(),
    variables: z.array(z.string()).min(1),
    /** Name of the condition and its classes, e.g. inHospitalDeath: ['survived', 'died']. */
    condition: z.object({ name: z.string(), classNames: z.array(z.string()).min(2) }),
    /** Standardisation of model units (after the log transform), fitted on training patients. */
    normalisation: NormalisationStatsSchema,
    staticStats: z.object({ ageMean: z.number(), ageStd: z.number().positive() }),
    schedule: ScheduleConfigSchema,
    predictionType: z.enum(PREDICTION_TYPES),
    training: EhrDiffusionTrainingSchema,
    /** Trajectory kind: the transformer's settings. */
    transformer: TrajectoryTransformerSchema.optional(),
    /** Latent kind: the denoiser's and the VAE's settings, and the latent standardisation. */
    latentMlp: LatentMlpSchema.optional(),
    vae: EhrVaeSettingsSchema.optional(),
    latentStats: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }).optional(),
    dataset: z.object({ name: z.string(), source: z.string(), license: z.string().optional(), citation: z.string().optional() }),
    trainingPatients: z.number().int().positive(),
    createdAt: z.string(),
    backend: z.string().optional(),
    /** Privacy guarantee of a model trained with `training.privacy`, null otherwise. */
    privacy: DpRecordSchema.nullable().default(null),
  })
  .strict();

export type EhrDiffusionModel = z.infer<typeof EhrDiffusionModelSchema>;
export type EhrDiffusionTraining = z.infer<typeof EhrDiffusionTrainingSchema>;
export type EhrVaeSettings = z.infer<typeof EhrVaeSettingsSchema>;
