/**
 * Input checks for the differential-privacy parameters shared by the RDP accountant, the noise
 * calibration and DP-SGD. Each throws an Error that starts with the calling function's name,
 * shows the value received and names what to pass instead.
 */

/**
 * Conversions from an RDP curve to (ε, δ)-DP, each minimised over the orders α:
 * `classic` ε = RDP(α) + ln(1/δ) / (α − 1) (Mironov 2017, "Rényi Differential Privacy");
 * `improved` ε = RDP(α) + ln((α − 1)/α) − (ln δ + ln α) / (α − 1) (Balle et al. 2020,
 * "Hypothesis Testing Interpretations and Rényi Differential Privacy", Theorem 21). The
 * improved ε is smaller at every order, because ln((α − 1)/α) < 0 < ln(α) / (α − 1); Opacus
 * uses it by default.
 */
export const RDP_CONVERSIONS = ['classic', 'improved'] as const;
export type RdpConversion = (typeof RDP_CONVERSIONS)[number];

/** Throws unless `sampleRate` is in (0, 1]. */
export function checkSampleRate(functionName: string, sampleRate: number, name = 'sampleRate'): void {
  if (typeof sampleRate !== 'number' || !(sampleRate > 0 && sampleRate <= 1)) {
    throw new Error(
      `${functionName}: \`${name}\` must be in (0, 1], got ${sampleRate}; ` +
        'pass the probability that an example is in a batch (expected batch size / dataset size)',
    );
  }
}

/** Throws unless `noiseMultiplier` is finite and > 0. */
export function checkNoiseMultiplier(functionName: string, noiseMultiplier: number, name = 'noiseMultiplier'): void {
  if (typeof noiseMultiplier !== 'number' || !Number.isFinite(noiseMultiplier) || noiseMultiplier <= 0) {
    throw new Error(
      `${functionName}: \`${name}\` must be a finite number > 0, got ${noiseMultiplier}; ` +
        'it is the noise standard deviation divided by the clipping norm (σ = 0 gives no privacy)',
    );
  }
}

/** Throws unless `steps` is a positive integer. */
export function checkSteps(functionName: string, steps: number, name = 'steps'): void {
  if (typeof steps !== 'number' || !Number.isSafeInteger(steps) || steps < 1) {
    throw new Error(`${functionName}: \`${name}\` must be a positive integer, got ${steps}; pass the number of noisy steps`);
  }
}

/** Throws unless `delta` is in (0, 1). */
export function checkDelta(functionName: string, delta: number): void {
  if (typeof delta !== 'number' || !(delta > 0 && delta < 1)) {
    throw new Error(
      `${functionName}: \`delta\` must be in (0, 1), got ${delta}; ` +
        'pass a value well below 1 / (number of training records), for example 1e-5',
    );
  }
}

/** Throws unless every order is a finite number > 1 and there is at least one. */
export function checkOrders(functionName: string, orders: ArrayLike<number>): void {
  if (orders.length === 0) {
    throw new Error(`${functionName}: \`orders\` is empty; pass RDP orders > 1, for example DEFAULT_RDP_ORDERS`);
  }
  for (let i = 0; i < orders.length; i++) {
    const order = orders[i];
    if (typeof order !== 'number' || !Number.isFinite(order) || order <= 1) {
      throw new Error(`${functionName}: \`orders[${i}]\` must be a finite number > 1, got ${order}`);
    }
  }
}

/** Throws unless `conversion` is one of RDP_CONVERSIONS. */
export function checkConversion(functionName: string, conversion: string): void {
  if (!(RDP_CONVERSIONS as readonly string[]).includes(conversion)) {
    throw new Error(
      `${functionName}: \`conversion\` must be one of ${RDP_CONVERSIONS.join(', ')}, got '${conversion}'`,
    );
  }
}
