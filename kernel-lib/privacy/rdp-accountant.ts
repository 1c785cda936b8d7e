/**
 * RDP accountant for DP-SGD: composes the RDP of the sampled Gaussian mechanism over the steps
 * of a training run and converts the total to (ε, δ)-DP. RDP composes by addition at each order,
 * so heterogeneous steps (changing q or σ) add their curves.
 */
import {
  RdpConversion,
  checkConversion,
  checkDelta,
  checkNoiseMultiplier,
  checkOrders,
  checkSampleRate,
  checkSteps,
} from './dp-parameters';
import { computeRdp } from './sampled-gaussian-rdp';

/**
 * Default RDP orders: 1.1, 1.2, …, 10.9 and 12, 13, …, 63, the set Opacus uses. Small orders
 * win for few steps or a large δ, large orders for many steps with little noise.
 */
export const DEFAULT_RDP_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, k) => (11 + k) / 10),
  ...Array.from({ length: 52 }, (_, k) => 12 + k),
]);

/** An (ε, δ)-DP guarantee read off an RDP curve. */
export interface PrivacySpent {
  /** ε ≥ 0, in nats. */
  epsilon: number;
  delta: number;
  conversion: RdpConversion;
  /** The order α at which the conversion is smallest, or null when no step was taken. */
  order: number | null;
  /**
   * True when the best order is the smallest or the largest of the set, so a wider set of
   * orders might give a smaller ε.
   */
  orderAtEdge: boolean;
}

/** Returns ε at one order for the given conversion, before clamping at 0. */
function epsilonAtOrder(rdp: number, alpha: number, delta: number, conversion: RdpConversion): number {
  if (conversion === 'classic') return rdp + Math.log(1 / delta) / (alpha - 1);
  return rdp + Math.log1p(-1 / alpha) - (Math.log(delta) + Math.log(alpha)) / (alpha - 1);
}

/**
 * Converts RDP values `[numOrders]` at `orders` to (ε, δ)-DP: the minimum over the orders of the
 * chosen conversion (see RDP_CONVERSIONS), clamped at 0. ε never grows when δ grows, because
 * each order's value falls with δ.
 */
export function rdpToEpsilon(
  orders: ArrayLike<number>,
  rdp: ArrayLike<number>,
  delta: number,
  conversion: RdpConversion = 'improved',
): PrivacySpent {
  checkOrders('rdpToEpsilon', orders);
  if (rdp.length !== orders.length) {
    throw new Error(
      `rdpToEpsilon: \`rdp\` must have one value per order, got ${rdp.length} values for ${orders.length} orders`,
    );
  }
  for (let k = 0; k < rdp.length; k++) {
    if (!(rdp[k] >= 0)) {
      throw new Error(`rdpToEpsilon: \`rdp[${k}]\` must be a number >= 0 or Infinity, got ${rdp[k]}`);
    }
  }
  checkDelta('rdpToEpsilon', delta);
  checkConversion('rdpToEpsilon', conversion);

  let best = 0;
  let bestEpsilon = Infinity;
  for (let k = 0; k < orders.length; k++) {
    const epsilon = epsilonAtOrder(rdp[k], orders[k], delta, conversion);
    if (epsilon < bestEpsilon) {
      bestEpsilon = epsilon;
      best = k;
    }
  }
  let smallest = 0;
  let largest = 0;
  for (let k = 1; k < orders.length; k++) {
    if (orders[k] < orders[smallest]) smallest = k;
    if (orders[k] > orders[largest]) largest = k;
  }
  return {
    epsilon: Math.max(bestEpsilon, 0),
    delta,
    conversion,
    order: orders[best],
    orderAtEdge: orders.length > 1 && (best === smallest || best === largest),
  };
}

/** One run of identical steps in an accountant's history. */
export interface AccountantEntry {
  sampleRate: number;
  noiseMultiplier: number;
  steps: number;
}

/** The JSON form of an RdpAccountant, for checkpoints. */
export interface RdpAccountantState {
  kind: 'rdp-accountant';
  version: 1;
  orders: number[];
  history: AccountantEntry[];
}

/**
 * Records the noisy steps of a training run and reports the privacy spent so far. Consecutive
 * steps with the same q and σ are stored as one entry, so the state stays small.
 */
export class RdpAccountant {
  readonly orders: readonly number[];
  private readonly entries: AccountantEntry[] = [];
  /** RDP of one step per (q, σ), `[numOrders]`, so repeated epsilon calls do not recompute it. */
  private readonly rdpCache = new Map<string, Float64Array>();

  /** Creates an empty accountant over `orders` (default DEFAULT_RDP_ORDERS). */
  constructor(orders: ArrayLike<number> = DEFAULT_RDP_ORDERS) {
    checkOrders('RdpAccountant', orders);
    this.orders = Object.freeze(Array.from(orders));
  }

  /** Records `count` steps with sampling rate `sampleRate` and noise multiplier `noiseMultiplier`. */
  step(sampleRate: number, noiseMultiplier: number, count = 1): void {
    checkSampleRate('RdpAccountant.step', sampleRate);
    checkNoiseMultiplier('RdpAccountant.step', noiseMultiplier);
    checkSteps('RdpAccountant.step', count, 'count');
    const last = this.entries[this.entries.length - 1];
    if (last !== undefined && last.sampleRate === sampleRate && last.noiseMultiplier === noiseMultiplier) {
      last.steps += count;
    } else {
      this.entries.push({ sampleRate, noiseMultiplier, steps: count });
    }
  }

  /** Total number of steps recorded. */
  get steps(): number {
    return this.entries.reduce((total, entry) => total + entry.steps, 0);
  }

  /** Returns a copy of the recorded history. */
  history(): AccountantEntry[] {
    return this.entries.map((entry) => ({ ...entry }));
  }

  /** Returns the composed RDP of every recorded step at each order, `[numOrders]`. */
  rdp(): Float64Array {
    const total = new Float64Array(this.orders.length);
    for (const entry of this.entries) {
      const key = `${entry.sampleRate}:${entry.noiseMultiplier}`;
      let perStep = this.rdpCache.get(key);
      if (perStep === undefined) {
        perStep = computeRdp({ sampleRate: entry.sampleRate, noiseMultiplier: entry.noiseMultiplier, steps: 1, orders: this.orders });
        this.rdpCache.set(key, perStep);
      }
      for (let k = 0; k < total.length; k++) total[k] += entry.steps * perStep[k];
    }
    return total;
  }

  /**
   * Returns the (ε, δ) guarantee of the steps recorded so far. With no steps nothing was
   * released, so ε = 0 and the order is null.
   */
  epsilon(delta: number, conversion: RdpConversion = 'improved'): PrivacySpent {
    checkDelta('RdpAccountant.epsilon', delta);
    checkConversion('RdpAccountant.epsilon', conversion);
    if (this.entries.length === 0) return { epsilon: 0, delta, conversion, order: null, orderAtEdge: false };
    return rdpToEpsilon(this.orders, this.rdp(), delta, conversion);
  }

  toJSON(): RdpAccountantState {
    return { kind: 'rdp-accountant', version: 1, orders: Array.from(this.orders), history: this.history() };
  }

  /** Restores an accountant from `toJSON` output, checking every entry. */
  static fromJSON(state: RdpAccountantState): RdpAccountant {
    if (state === null || typeof state !== 'object' || state.kind !== 'rdp-accountant' || state.version !== 1) {
      throw new Error(
        "RdpAccountant.fromJSON: expected an object with kind 'rdp-accountant' and version 1, as written by toJSON",
      );
    }
    if (!Array.isArray(state.orders) || !Array.isArray(state.history)) {
      throw new Error('RdpAccountant.fromJSON: `orders` and `history` must be arrays');
    }
    const accountant = new RdpAccountant(state.orders);
    for (const entry of state.history) accountant.step(entry.sampleRate, entry.noiseMultiplier, entry.steps);
    return accountant;
  }
}
