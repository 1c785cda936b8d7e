import * as fs from 'fs';
import { z } from 'zod';
import { SAMPLERS } from '../../diffusion/samplers';
import {
  EHR_MODEL_KINDS,
  EhrDiffusionTrainingSchema,
  EhrVaeSettingsSchema,
  LatentMlpSchema,
  TrajectoryTransformerSchema,
} from '../../pipelines/ehr-diffusion-config';
import { ScheduleConfigSchema, formatZodError } from '../../pipelines/image-diffusion-config';

/**
 * An EHR synthesis experiment: train the trajectory and/or latent generators on PhysioNet 2012
 * training patients, generate a synthetic training set per model, and judge it on the REAL
 * test patients (TSTR against TRTR) and against the real training patients (fidelity).
 */
export const EhrExperimentConfigSchema = z
  .object({
    kind: z.literal('ehr'),
    name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'name may contain letters, digits, dot, underscore and hyphen only'),
    description: z.string().default(''),
    dataset: z
      .object({
        /** Folder of `<RecordID>.txt` files, relative to the project root or absolute. */
        recordFolder: z.string().min(1),
        /** Outcomes file (Outcomes-a.txt), relative to the project root or absolute. */
        outcomesPath: z.string().min(1),
        hours: z.union([z.literal(24), z.literal(48)]).default(24),
        /** Keep only the first this many records by RecordID (quick runs); null keeps all. */
        maxPatients: z.number().int().min(10).nullable().default(null),
      })
      .strict(),
    seed: z.number().int().default(0),
    models: z.array(z.enum(EHR_MODEL_KINDS)).min(1).default([...EHR_MODEL_KINDS]),
    schedule: ScheduleConfigSchema.default({}),
    predictionType: z.enum(['epsilon', 'v_prediction']).default('epsilon'),
    trajectory: z
      .object({ transformer: TrajectoryTransformerSchema.default({}), training: EhrDiffusionTrainingSchema.default({}) })
      .strict()
      .default({}),
    latent: z
      .object({ latentMlp: LatentMlpSchema.default({}), vae: EhrVaeSettingsSchema.default({}), training: EhrDiffusionTrainingSchema.default({}) })
      .strict()
      .default({}),
    generation: z
      .object({
        /** Synthetic patients per real training patient, per outcome class (keeps the real class ratio). */
        multiplier: z.number().positive().default(1),
        guidanceScale: z.number().min(0).default(2),
        sampler: z.enum(SAMPLERS).default('dpmsolver++'),
        numInferenceSteps: z.number().int().min(1).default(25),
        batchSize: z.number().int().min(1).default(256),
      })
      .strict()
      .default({}),
    evaluation: z
      .object({
        /** L2 penalty of the logistic regression used for TRTR, TSTR and the discriminative score. */
        l2: z.number().positive().default(1),
        discriminativeFolds: z.number().int().min(2).default(5),
      })
      .strict()
      .default({}),
  })
  .strict();

export type EhrExperimentConfig = z.infer<typeof EhrExperimentConfigSchema>;

/** True when a parsed JSON value declares an EHR experiment (`"kind": "ehr"`). */
export function isEhrConfig(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && (raw as { kind?: unknown }).kind === 'ehr';
}

export function parseEhrExperimentConfig(raw: unknown, source: string): EhrExperimentConfig {
  const result = EhrExperimentConfigSchema.safeParse(raw);
  if (!result.success) throw new Error(`invalid EHR experiment config ${source}: ${formatZodError(result.error, raw)}`);
  return result.data;
}

/** Reads a config file's JSON, naming the file when it is not valid JSON. */
export function readConfigJson(filePath: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(filePath, 'utf8'));
  } catch (err) {
    throw new Error(`experiment config ${filePath} is not valid JSON (${(err as Error).message}); fix the syntax`);
  }
}
