/**
 * The release policy: the thresholds a synthetic dataset must meet before it is shared. Every
 * field has a default, and a JSON policy file overrides any subset of them.
 *
 * Defaults:
 * - `dcr.minRatioToHoldout` 1: the 5th percentile of synthetic-to-train distances (DCR) must be
 *   at least 1 × the 5th percentile of holdout-to-train distances, so synthetic records lie no
 *   closer to the training records than unseen real records do.
 *   NOTE: for a generator whose records are independent draws from the training population, the
 *   two 5th percentiles are exchangeable when both sets have equal size, so the factor 1 fails
 *   such a generator about half the time. A factor below 1, such as 0.9, leaves room for that noise.
 * - `exactCopies.maxShare` 0: no synthetic record may equal a training record.
 * - `membershipInference.maxAuc` 0.55: the distance attack and the density-ratio attack must
 *   each reach an AUC (members positive) of at most 0.55.
 * - `utility` (EHR with outcome labels only; `enabled: false` turns it off):
 *   TSTR AUROC ≥ TRTR AUROC − `maxTstrAurocDrop` (0.10), and discriminative score ≤
 *   `maxDiscriminativeScore` (0.35), from `discriminativeFolds` (5) folds of an L2 logistic
 *   regression with penalty `l2` (1).
 * - `imageFidelity` (images only; `enabled: false` turns it off): k-NN manifold precision and
 *   recall (`k` 3) of the synthetic images against the --reference images. Each must reach its
 *   factor (`minPrecisionRatio` 0.5, `minRecallRatio` 0.5) × the value of as many --train images.
 *   The factor 0.5 is a judgement: half of what real images of the same count reach.
 * - `attributeInference.k` 5: neighbours that vote in the attribute inference attack (reported,
 *   not checked).
 * - `license.rejectNoDerivatives` true: a source licence with a NoDerivatives term (an `-ND`
 *   licence such as CC BY-NC-ND 4.0) fails the gate, because a synthetic dataset derived from
 *   the source is a derivative. An unknown licence passes, with a warning in the report.
 *
 * Example file: `{ "membershipInference": { "maxAuc": 0.6 }, "utility": { "enabled": false } }`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { formatZodError } from '../pipelines/image-diffusion-config';

export const ReleasePolicySchema = z
  .object({
    dcr: z
      .object({
        /** Synthetic DCR 5th percentile must be ≥ this factor × the holdout DCR 5th percentile. */
        minRatioToHoldout: z.number().positive().default(1),
      })
      .strict()
      .default({}),
    exactCopies: z
      .object({
        /** Largest share (0-1) of synthetic records allowed at distance 0 from a training record. */
        maxShare: z.number().min(0).max(1).default(0),
      })
      .strict()
      .default({}),
    membershipInference: z
      .object({
        /** Largest AUC allowed for each membership inference attack; 0.5 is chance. */
        maxAuc: z.number().min(0.5).max(1).default(0.55),
      })
      .strict()
      .default({}),
    utility: z
      .object({
        /** False skips the TSTR and discriminative checks. */
        enabled: z.boolean().default(true),
        /** TSTR AUROC must be ≥ TRTR AUROC minus this drop. */
        maxTstrAurocDrop: z.number().min(0).max(1).default(0.1),
        /** Largest discriminative score |accuracy − 0.5| allowed, in [0, 0.5]. */
        maxDiscriminativeScore: z.number().min(0).max(0.5).default(0.35),
        /** Cross-validation folds of the discriminative score. */
        discriminativeFolds: z.number().int().min(2).default(5),
        /** L2 penalty of the logistic regressions of TSTR, TRTR and the discriminative score. */
        l2: z.number().positive().default(1),
      })
      .strict()
      .default({}),
    imageFidelity: z
      .object({
        /** False skips the image precision and recall checks. */
        enabled: z.boolean().default(true),
        /** Neighbours whose distance sets each image's manifold radius. */
        k: z.number().int().min(1).default(3),
        /** Synthetic precision must be ≥ this factor × the precision of the --train images. */
        minPrecisionRatio: z.number().min(0).max(1).default(0.5),
        /** Synthetic recall must be ≥ this factor × the recall of the --train images. */
        minRecallRatio: z.number().min(0).max(1).default(0.5),
      })
      .strict()
      .default({}),
    attributeInference: z
      .object({
        /** Neighbours that vote on the sensitive attribute. */
        k: z.number().int().min(1).default(5),
      })
      .strict()
      .default({}),
    license: z
      .object({
        /** True fails the gate when the source licence forbids derivatives. */
        rejectNoDerivatives: z.boolean().default(true),
      })
      .strict()
      .default({}),
  })
  .strict();

export type ReleasePolicy = z.infer<typeof ReleasePolicySchema>;

/** The policy with every default (values in the file header). */
export const DEFAULT_RELEASE_POLICY: ReleasePolicy = ReleasePolicySchema.parse({});

/**
 * Validates a policy object and fills in the defaults for every field it leaves out. `source`
 * names the object's origin in the error message, such as the file path.
 */
export function parseReleasePolicy(raw: unknown, source = 'policy object'): ReleasePolicy {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error(
      `parseReleasePolicy: ${source} must be a JSON object such as { "membershipInference": { "maxAuc": 0.55 } }, got ${JSON.stringify(raw)}`,
    );
  }
  const result = ReleasePolicySchema.safeParse(raw);
  if (!result.success) {
    throw new Error(
      `parseReleasePolicy: ${source} is invalid: ${formatZodError(result.error, raw)}; ` +
        'fix those fields or remove them to use the defaults',
    );
  }
  return result.data;
}

/** Reads and validates a JSON policy file (see parseReleasePolicy). */
export function loadReleasePolicy(filePath: string): ReleasePolicy {
  if (typeof filePath !== 'string' || filePath.trim() === '') {
    throw new Error(`loadReleasePolicy: \`filePath\` must be a non-empty path, got ${JSON.stringify(filePath)}`);
  }
  const resolved = path.resolve(filePath);
  if (!fs.existsSync(resolved) || !fs.statSync(resolved).isFile()) {
    throw new Error(`loadReleasePolicy: policy file not found: ${resolved}; check the path, or leave out --policy to use the defaults`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(resolved, 'utf8'));
  } catch (err) {
    throw new Error(`loadReleasePolicy: ${resolved} is not valid JSON (${(err as Error).message}); write the policy as a JSON object`);
  }
  return parseReleasePolicy(raw, `policy file ${resolved}`);
}

/**
 * Returns true when a licence name carries a NoDerivatives term: an `ND` token (CC BY-ND,
 * CC BY-NC-ND, CC-BY-NC-ND-4.0 in SPDX form) or the words "NoDerivatives", "NoDerivs" or
 * "No Derivatives", in any letter case.
 */
export function licenseForbidsDerivatives(license: string): boolean {
  if (typeof license !== 'string') {
    throw new Error(`licenseForbidsDerivatives: \`license\` must be a string such as 'CC BY 4.0', got ${JSON.stringify(license)}`);
  }
  return /(^|[^a-z])nd([^a-z]|$)/i.test(license) || /no[\s-]?deriv/i.test(license);
}
