/**
 * Calibration of the DP-SGD noise multiplier to a privacy budget.
 */
import {
  RdpConversion,
  checkConversion,
  checkDelta,
  checkOrders,
  checkSampleRate,
  checkSteps,
} from './dp-parameters';
import { DEFAULT_RDP_ORDERS, rdpToEpsilon } from './rdp-accountant';
import { computeRdp } from './sampled-gaussian-rdp';

export interface CalibrationRequest {
  /** The privacy budget ε > 0 to stay within. */
  targetEpsilon: number;
  /** δ in (0, 1). */
  delta: number;
  /** Poisson sampling rate q in (0, 1]. */
  sampleRate: number;
  /** Number of training steps, a positive integer. */
  steps: number;
  /** RDP to (ε, δ) conversion (default 'improved'). */
  conversion?: RdpConversion;
  /** RDP orders (default DEFAULT_RDP_ORDERS). */
  orders?: ArrayLike<number>;
  /** Bisection stops when the bracket on σ is narrower than this (default 1e-4). */
  tolerance?: number;
  /** Largest σ searched (default 1000); the target is reported unreachable above it. */
  maxNoiseMultiplier?: number;
}

export interface Calibration {
  /** The smallest σ found with ε ≤ target, at most `tolerance` above the exact smallest one. */
  noiseMultiplier: number;
  /** ε at that σ, ≤ targetEpsilon. */
  epsilon: number;
  /** The RDP order that gave that ε. */
  order: number;
  /** Number of ε evaluations the search made. */
  evaluations: number;
}

/**
 * Finds the smallest noise multiplier σ whose ε after `steps` steps at rate `sampleRate` is at
 * most `targetEpsilon`, by bisection on [0, maxNoiseMultiplier]. ε falls continuously as σ grows
 * (each order's RDP falls with σ), so the bracket always contains the smallest σ. Throws when even
 * `maxNoiseMultiplier` gives ε above the target.
 */
export function calibrateNoiseMultiplier(request: CalibrationRequest): Calibration {
  const { targetEpsilon, delta, sampleRate, steps } = request;
  const conversion = request.conversion ?? 'improved';
  const orders = request.orders ?? DEFAULT_RDP_ORDERS;
  const tolerance = request.tolerance ?? 1e-4;
  const maxNoiseMultiplier = request.maxNoiseMultiplier ?? 1000;

  if (typeof targetEpsilon !== 'number' || !Number.isFinite(targetEpsilon) || targetEpsilon <= 0) {
    throw new Error(`calibrateNoiseMultiplier: \`targetEpsilon\` must be a finite number > 0, got ${targetEpsilon}`);
  }
  checkDelta('calibrateNoiseMultiplier', delta);
  checkSampleRate('calibrateNoiseMultiplier', sampleRate);
  checkSteps('calibrateNoiseMultiplier', steps);
  checkConversion('calibrateNoiseMultiplier', conversion);
  checkOrders('calibrateNoiseMultiplier', orders);
  if (typeof tolerance !== 'number' || !(tolerance > 0 && tolerance < 1)) {
    throw new Error(`calibrateNoiseMultiplier: \`tolerance\` must be in (0, 1), got ${tolerance}`);
  }
  if (typeof maxNoiseMultiplier !== 'number' || !Number.isFinite(maxNoiseMultiplier) || maxNoiseMultiplier <= tolerance) {
    throw new Error(
      `calibrateNoiseMultiplier: \`maxNoiseMultiplier\` must be a finite number above the tolerance ${tolerance}, got ${maxNoiseMultiplier}`,
    );
  }

  let evaluations = 0;
  const spentAt = (noiseMultiplier: number) => {
    evaluations++;
    return rdpToEpsilon(orders, computeRdp({ sampleRate, noiseMultiplier, steps, orders }), delta, conversion);
  };

  let high = maxNoiseMultiplier;
  let spentHigh = spentAt(high);
  if (spentHigh.epsilon > targetEpsilon) {
    throw new Error(
      `calibrateNoiseMultiplier: \`targetEpsilon\` ${targetEpsilon} is unreachable: even σ = ${maxNoiseMultiplier} gives ` +
        `ε = ${spentHigh.epsilon.toFixed(4)} for ${steps} steps at q = ${sampleRate}, δ = ${delta}; ` +
        'raise the budget, take fewer steps, lower the sampling rate or raise `maxNoiseMultiplier`',
    );
  }

  // Invariant: ε(high) ≤ target < ε(low); σ = 0 gives no privacy (ε = ∞).
  let low = 0;
  while (high - low > tolerance) {
    const middle = 0.5 * (low + high);
    const spent = spentAt(middle);
    if (spent.epsilon <= targetEpsilon) {
      high = middle;
      spentHigh = spent;
    } else {
      low = middle;
    }
  }
  return { noiseMultiplier: high, epsilon: spentHigh.epsilon, order: spentHigh.order as number, evaluations };
}
