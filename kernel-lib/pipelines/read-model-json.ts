import * as fs from 'fs';
import { z } from 'zod';
import { formatZodError } from './image-diffusion-config';

/**
 * Reads and validates a model.json. Throws with `missing` when the file does not exist, and
 * names `kind` when the file is not valid JSON or does not match `schema`.
 */
export function readModelJson<Schema extends z.ZodTypeAny>(modelPath: string, schema: Schema, kind: string, missing: string): z.infer<Schema> {
  if (!fs.existsSync(modelPath)) throw new Error(missing);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(modelPath, 'utf8'));
  } catch (err) {
    throw new Error(`${modelPath} is not valid JSON (${(err as Error).message}); restore it or train again`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new Error(`${modelPath} is not a ${kind}: ${formatZodError(parsed.error)}`);
  return parsed.data;
}
