/**
 * Rényi differential privacy (RDP) of the sampled Gaussian mechanism: each record joins a batch
 * with probability q (Poisson sampling), the batch's clipped sum gets N(0, σ²) noise per
 * coordinate, and sensitivity is 1 (σ is the noise multiplier). Source: Mironov, Talwar and
 * Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian Mechanism", section 3.3.
 *
 * With μ0 = N(0, σ²) and μ1 = N(1, σ²), the RDP at order α is
 *   RDP(α) = ln(A_α) / (α − 1),   A_α = E_{z∼μ0}[((1 − q) + q μ1(z)/μ0(z))^α].
 * Every sum below runs in log space in float64, because A_α spans hundreds of orders of
 * magnitude across the orders in use.
 */
import { checkNoiseMultiplier, checkOrders, checkSampleRate, checkSteps } from './dp-parameters';
import { logAdd, logErfc, logSub } from './log-math';

/**
 * ln A_α for integer α ≥ 2 by the binomial expansion of the integrand:
 *   A_α = Σ_{i=0..α} C(α, i) q^i (1 − q)^(α−i) exp((i² − i) / (2σ²)).
 * Every term is positive, so the sum has no cancellation.
 */
function logAIntegerOrder(q: number, sigma: number, alpha: number): number {
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  let logBinomial = 0; // ln C(α, i), updated by C(α, i) = C(α, i − 1) (α − i + 1) / i
  let logA = -Infinity;
  for (let i = 0; i <= alpha; i++) {
    if (i > 0) logBinomial += Math.log(alpha - i + 1) - Math.log(i);
    const logTerm = logBinomial + i * logQ + (alpha - i) * log1mQ + (i * i - i) / (2 * sigma * sigma);
    logA = logAdd(logA, logTerm);
  }
  return logA;
}

/** Safety limit on the terms of the fractional-order series; the error names the order to leave out. */
const MAX_SERIES_TERMS = 10_000_000;

/**
 * Terms below this fraction of the running sum end the fractional-order series. Past i = α the
 * terms alternate in sign and shrink like |C(α, i)| ∝ i^(−α−1), so the truncation error is about
 * the size of the first omitted term.
 */
const LOG_RELATIVE_TOLERANCE = Math.log(1e-14);

/**
 * ln A_α for fractional α > 1. The integral splits at z0 = σ² ln(1/q − 1) + 1/2, where
 * q μ1(z) = (1 − q) μ0(z), and each part is expanded with the generalised binomial series in the
 * smaller of the two ratios. For i = 0, 1, 2, … with j = α − i:
 *   part 0 (z ≤ z0): C(α, i) q^i (1 − q)^j exp((i² − i) / (2σ²)) · ½ erfc((i − z0) / (√2 σ)),
 *   part 1 (z > z0): C(α, i) q^j (1 − q)^i exp((j² − j) / (2σ²)) · ½ erfc((z0 − j) / (√2 σ)).
 * C(α, i) is negative for some i, so each part keeps a running log-sum and subtracts those terms.
 */
function logAFractionalOrder(q: number, sigma: number, alpha: number): number {
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  const twoSigmaSquared = 2 * sigma * sigma;
  const sqrt2Sigma = Math.SQRT2 * sigma;
  const z0 = sigma * sigma * (log1mQ - logQ) + 0.5;

  let logPart0 = -Infinity;
  let logPart1 = -Infinity;
  let logAbsBinomial = 0; // ln |C(α, i)|
  let binomialSign = 1;
  for (let i = 0; i < MAX_SERIES_TERMS; i++) {
    if (i > 0) {
      const factor = alpha - i + 1;
      logAbsBinomial += Math.log(Math.abs(factor)) - Math.log(i);
      if (factor < 0) binomialSign = -binomialSign;
    }
    const j = alpha - i;
    const logTerm0 =
      logAbsBinomial + i * logQ + j * log1mQ + (i * i - i) / twoSigmaSquared + Math.log(0.5) + logErfc((i - z0) / sqrt2Sigma);
    const logTerm1 =
      logAbsBinomial + j * logQ + i * log1mQ + (j * j - j) / twoSigmaSquared + Math.log(0.5) + logErfc((z0 - j) / sqrt2Sigma);

    if (binomialSign > 0) {
      logPart0 = logAdd(logPart0, logTerm0);
      logPart1 = logAdd(logPart1, logTerm1);
    } else {
      logPart0 = logSub(logPart0, logTerm0);
      logPart1 = logSub(logPart1, logTerm1);
    }

    const logSum = logAdd(logPart0, logPart1);
    if (i > alpha && Math.max(logTerm0, logTerm1) < logSum + LOG_RELATIVE_TOLERANCE) return logSum;
  }
  throw new Error(
    `computeRdp: the series for order ${alpha} (q = ${q}, σ = ${sigma}) did not converge in ` +
      `${MAX_SERIES_TERMS} terms; leave this order out or use integer orders near it`,
  );
}

/** RDP of one step of the sampled Gaussian mechanism at order `alpha` > 1. */
export function rdpOfOneStep(sampleRate: number, noiseMultiplier: number, alpha: number): number {
  // With q = 1 every record is in the batch, and the mechanism is the plain Gaussian mechanism.
  if (sampleRate === 1) return alpha / (2 * noiseMultiplier * noiseMultiplier);
  const logA = Number.isInteger(alpha)
    ? logAIntegerOrder(sampleRate, noiseMultiplier, alpha)
    : logAFractionalOrder(sampleRate, noiseMultiplier, alpha);
  // A_α ≥ 1 by Jensen's inequality, so a negative ln A_α is rounding and is taken as 0.
  return Math.max(logA, 0) / (alpha - 1);
}

/** Parameters of `steps` identical steps of the sampled Gaussian mechanism. */
export interface SampledGaussianSteps {
  /** Poisson sampling rate q in (0, 1]: the probability that a record is in a batch. */
  sampleRate: number;
  /** Noise standard deviation divided by the L2 sensitivity (the clipping norm), > 0. */
  noiseMultiplier: number;
  /** Number of steps, a positive integer; RDP composes additively over steps. */
  steps: number;
  /** RDP orders α > 1. */
  orders: ArrayLike<number>;
}

/**
 * Computes the RDP of `steps` steps of the sampled Gaussian mechanism at each order:
 * steps · ln(A_α) / (α − 1). Integer orders use the exact binomial expansion, fractional
 * orders the two-part series. Returns `[numOrders]` values in nats.
 */
export function computeRdp({ sampleRate, noiseMultiplier, steps, orders }: SampledGaussianSteps): Float64Array {
  checkSampleRate('computeRdp', sampleRate);
  checkNoiseMultiplier('computeRdp', noiseMultiplier);
  checkSteps('computeRdp', steps);
  checkOrders('computeRdp', orders);
  const rdp = new Float64Array(orders.length);
  for (let k = 0; k < orders.length; k++) rdp[k] = steps * rdpOfOneStep(sampleRate, noiseMultiplier, orders[k]);
  return rdp;
}
