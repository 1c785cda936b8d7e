/**
 * Spacings of the training timesteps a sampler visits, for S inference steps out of T training timesteps.
 * Each spacing is a formula of the step index i = 0 … S-1, so the result always has exactly S
 * elements (a float `arange` with step T/S can produce S + 1 of them).
 *
 * - leading: (S-1-i) * floor(T/S). Starts below T-1 unless S divides T, and always ends at 0
 *   (the DDIM paper's spacing).
 * - trailing: roundHalfEven(T - i*T/S) - 1. Always starts at T-1, so a schedule with zero
 *   terminal SNR is sampled from pure noise (Lin et al. 2024 ask samplers to start at the last timestep).
 * - linspace: roundHalfEven((T-1) * k / (S-1)) for k = S-1 down to 0. Starts at T-1, ends at 0.
 */
export const TIMESTEP_SPACINGS = ['leading', 'trailing', 'linspace'] as const;
export type TimestepSpacing = (typeof TIMESTEP_SPACINGS)[number];

/** Rounds to the nearest integer, with ties to the even neighbour (numpy.round, IEEE 754 default). */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Returns the `numInferenceSteps` training timesteps to visit, strictly decreasing, all in
 * [0, numTrainTimesteps - 1]. Throws for a step count outside [1, numTrainTimesteps] or an
 * unknown spacing.
 */
export function makeTimesteps(numTrainTimesteps: number, numInferenceSteps: number, spacing: string): Int32Array {
  if (!Number.isInteger(numTrainTimesteps) || numTrainTimesteps < 1) {
    throw new Error(`makeTimesteps: \`numTrainTimesteps\` must be a positive integer, got ${numTrainTimesteps}`);
  }
  checkNumInferenceSteps('makeTimesteps', numInferenceSteps, numTrainTimesteps);
  checkTimestepSpacing('makeTimesteps', spacing);

  const T = numTrainTimesteps;
  const S = numInferenceSteps;
  const timesteps = new Int32Array(S);
  for (let i = 0; i < S; i++) {
    if (spacing === 'leading') {
      timesteps[i] = (S - 1 - i) * Math.floor(T / S);
    } else if (spacing === 'trailing') {
      // (i * T) / S is exact whenever the true value is a half-integer, so ties are seen as ties.
      timesteps[i] = roundHalfEven(T - (i * T) / S) - 1;
    } else {
      const k = S - 1 - i;
      timesteps[i] = S === 1 ? T - 1 : roundHalfEven(((T - 1) * k) / (S - 1));
    }
  }
  return timesteps;
}

/** Throws unless `numInferenceSteps` is an integer in [1, numTrainTimesteps]; `caller` starts the message. */
export function checkNumInferenceSteps(caller: string, numInferenceSteps: number, numTrainTimesteps: number): void {
  if (!Number.isInteger(numInferenceSteps) || numInferenceSteps < 1 || numInferenceSteps > numTrainTimesteps) {
    throw new Error(
      `${caller}: \`numInferenceSteps\` must be an integer in [1, ${numTrainTimesteps}], got ${numInferenceSteps}`,
    );
  }
}

/** Throws unless `spacing` is one of TIMESTEP_SPACINGS; `caller` starts the message. */
export function checkTimestepSpacing(caller: string, spacing: string): asserts spacing is TimestepSpacing {
  if (!(TIMESTEP_SPACINGS as readonly string[]).includes(spacing)) {
    throw new Error(
      `${caller}: unknown \`timestepSpacing\` '${spacing}'; use one of ${TIMESTEP_SPACINGS.join(', ')}`,
    );
  }
}
