/**
 * Figures of a privacy audit: distance-to-closest-record histograms, membership-inference ROC
 * curves, ε over DP-SGD steps, and utility against ε. Synthetic data are labelled SYNTHETIC.
 */
import { rocCurve } from '../eval/roc';
import { MembershipAttackReport } from '../privacy/membership-inference';
import { RdpAccountant } from '../privacy/rdp-accountant';
import { RdpConversion } from '../privacy/dp-parameters';
import { PlotlyFigure } from './figure';

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

/**
 * Overlaid histograms (share of records per bin) of the distances from synthetic records and
 * from real holdout records to their nearest training record. Synthetic mass left of the
 * holdout mass means synthetic records sit closer to training records than unseen patients do.
 */
export function dcrHistogramFigure(title: string, synthetic: ArrayLike<number>, holdout: ArrayLike<number>, unit: string): PlotlyFigure {
  if (synthetic.length === 0 || holdout.length === 0) {
    throw new Error(`dcrHistogramFigure: pass non-empty distance arrays, got ${synthetic.length} synthetic and ${holdout.length} holdout`);
  }
  const trace = (name: string, values: ArrayLike<number>, colour: string) => ({
    type: 'histogram',
    name,
    x: Array.from(values),
    histnorm: 'probability',
    opacity: 0.6,
    marker: { color: colour },
    nbinsx: 40,
  });
  return {
    data: [trace('SYNTHETIC → nearest training record', synthetic, COLOURS[1]), trace('real holdout → nearest training record', holdout, COLOURS[0])],
    layout: {
      title: { text: title },
      barmode: 'overlay',
      xaxis: { title: { text: `distance to closest training record (${unit})` } },
      yaxis: { title: { text: 'share of records' } },
      height: 380,
    },
  };
}

/** A membership attack to draw, with its legend name. */
export interface NamedAttack {
  name: string;
  attack: MembershipAttackReport;
}

/** ROC curves of membership attacks, members (training records) as the positive class, with the chance diagonal. */
export function membershipRocFigure(title: string, attacks: readonly NamedAttack[]): PlotlyFigure {
  if (attacks.length === 0) throw new Error('membershipRocFigure: pass at least one attack');
  const data: object[] = attacks.map(({ name, attack }, k) => {
    const labels = new Int32Array(attack.numMembers + attack.numNonMembers);
    labels.fill(1, 0, attack.numMembers);
    const scores = new Float64Array(labels.length);
    scores.set(attack.memberScores, 0);
    scores.set(attack.nonMemberScores, attack.numMembers);
    const roc = rocCurve(labels, scores);
    return {
      type: 'scatter',
      mode: 'lines',
      name: `${name} (AUC ${attack.auc.toFixed(3)})`,
      x: Array.from(roc.fpr),
      y: Array.from(roc.tpr),
      line: { color: COLOURS[k % COLOURS.length] },
    };
  });
  data.push({ type: 'scatter', mode: 'lines', name: 'chance', x: [0, 1], y: [0, 1], line: { color: '#999', dash: 'dot' } });
  return {
    data,
    layout: {
      title: { text: title },
      xaxis: { title: { text: 'false positive rate (non-members flagged)' }, range: [0, 1], constrain: 'domain' },
      yaxis: { title: { text: 'true positive rate (members found)' }, range: [0, 1], scaleanchor: 'x' },
      // Below the square plot, the legend leaves it the figure's full width.
      legend: { orientation: 'h', x: 0, y: -0.2, yanchor: 'top' },
      height: 640,
      width: 620,
    },
  };
}

/** DP-SGD settings whose ε curve to draw. */
export interface EpsilonCurveSettings {
  name: string;
  sampleRate: number;
  noiseMultiplier: number;
  steps: number;
  delta: number;
}

/**
 * ε at δ after each number of steps, from the RDP accountant of the sampled Gaussian mechanism
 * (evaluated at `points` step counts from 1 to `steps`).
 */
export function epsilonCurveFigure(curves: readonly EpsilonCurveSettings[], conversion: RdpConversion = 'improved', points = 60): PlotlyFigure {
  if (curves.length === 0) throw new Error('epsilonCurveFigure: pass at least one set of DP-SGD settings');
  if (!Number.isInteger(points) || points < 2) throw new Error(`epsilonCurveFigure: \`points\` must be an integer >= 2, got ${points}`);
  const data = curves.map((curve, k) => {
    if (!Number.isInteger(curve.steps) || curve.steps < 1) {
      throw new Error(`epsilonCurveFigure: steps of '${curve.name}' must be a positive integer, got ${curve.steps}`);
    }
    const accountant = new RdpAccountant();
    const steps: number[] = [];
    const epsilons: number[] = [];
    let done = 0;
    for (let i = 1; i <= points; i++) {
      const target = Math.max(1, Math.round((curve.steps * i) / points));
      if (target <= done) continue;
      accountant.step(curve.sampleRate, curve.noiseMultiplier, target - done);
      done = target;
      steps.push(done);
      epsilons.push(accountant.epsilon(curve.delta, conversion).epsilon);
    }
    return { type: 'scatter', mode: 'lines', name: curve.name, x: steps, y: epsilons, line: { color: COLOURS[k % COLOURS.length] } };
  });
  return {
    data,
    layout: {
      title: { text: `ε spent over DP-SGD steps (RDP accountant, ${conversion} conversion)` },
      xaxis: { title: { text: 'training step' } },
      yaxis: { title: { text: 'ε', rangemode: 'tozero' } },
      height: 380,
    },
  };
}

/** One model's privacy and utility: ε null for a non-private model. */
export interface UtilityPoint {
  name: string;
  epsilon: number | null;
  value: number;
  lower: number | null;
  upper: number | null;
}

/**
 * Utility against ε, with 95% intervals. The x axis is categorical, ordered by ε with the
 * non-private models last, because ε = ∞ has no place on a numeric axis.
 */
export function utilityPrivacyFigure(title: string, metric: string, points: readonly UtilityPoint[]): PlotlyFigure {
  if (points.length === 0) throw new Error('utilityPrivacyFigure: pass at least one point');
  const label = (p: UtilityPoint) => (p.epsilon === null ? `${p.name}<br>non-private` : `${p.name}<br>ε = ${p.epsilon.toFixed(2)}`);
  const ordered = [...points].sort((a, b) => (a.epsilon ?? Infinity) - (b.epsilon ?? Infinity));
  return {
    data: [
      {
        type: 'scatter',
        mode: 'markers',
        x: ordered.map(label),
        y: ordered.map((p) => p.value),
        error_y: {
          type: 'data',
          symmetric: false,
          array: ordered.map((p) => (p.upper === null ? 0 : p.upper - p.value)),
          arrayminus: ordered.map((p) => (p.lower === null ? 0 : p.value - p.lower)),
        },
        marker: { size: 10, color: COLOURS[0] },
        showlegend: false,
      },
    ],
    layout: { title: { text: title }, xaxis: { type: 'category' }, yaxis: { title: { text: metric } }, height: 380 },
  };
}
