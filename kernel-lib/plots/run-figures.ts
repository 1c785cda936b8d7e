import type { ReportData } from '../experiment/report-data';
import { formatInterval, formatMetric } from '../experiment/comparison-table';
import { plotlyText } from './html-text';

/**
 * Figures of an experiment run, built from its `ReportData`: class counts, diffusion loss, ROC
 * curves, sensitivity and specificity with 95% CIs, and the reliability diagram. `report.html`
 * draws them, and `medsynth figures` exports them for papers. Every label taken from the data is
 * escaped with `plotlyText`, and non-finite numbers become null, which plotly draws as a gap.
 */

/** Figure ids, in report order. They are the plot elements' ids in `report.html` and the file names of exported figures. */
export const RUN_FIGURE_IDS = ['plot-class-counts', 'plot-diffusion-loss', 'plot-roc', 'plot-sensitivity-specificity', 'plot-reliability'] as const;
export type RunFigureId = (typeof RUN_FIGURE_IDS)[number];

/** A plotly figure of a run; it has no config, because the page that draws it sets one. */
export interface RunFigure {
  id: RunFigureId;
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
}

/** Builds every figure of a run, in `RUN_FIGURE_IDS` order. */
export function buildRunFigures(data: ReportData): RunFigure[] {
  return [classCountsFigure(data), diffusionLossFigure(data), rocFigure(data), sensitivitySpecificityFigure(data), reliabilityFigure(data)];
}

/** Arm colors, the same in every figure (plotly's default colorway). */
const ARM_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const SPLIT_COLORS = ['#4d4d4d', '#8c8c8c', '#bfbfbf', '#d9d9d9'];

function armColor(index: number): string {
  return ARM_COLORS[index % ARM_COLORS.length];
}

function baseLayout(xTitle: string, yTitle: string): Record<string, unknown> {
  return {
    height: 420,
    margin: { t: 20, r: 20, b: 60, l: 70 },
    font: { family: 'system-ui, sans-serif', size: 13 },
    xaxis: { title: { text: xTitle }, automargin: true },
    yaxis: { title: { text: yTitle }, automargin: true },
    // Below the plot, so a long legend never runs under the mode bar at the top right.
    legend: { orientation: 'h', x: 0, xanchor: 'left', y: -0.2, yanchor: 'top' },
    hovermode: 'closest',
  };
}

/** Grouped bars: real counts before augmentation (the train split, or every split if none is called `train`), then each arm's training rows. */
export function classCountsFigure(data: ReportData): RunFigure {
  const classes = data.classNames.map(plotlyText);
  const splits = 'train' in data.classCounts ? ['train'] : Object.keys(data.classCounts);
  const before = splits.map((split, i) => ({
    type: 'bar',
    name: plotlyText(`real ${split} (before augmentation)`),
    x: classes,
    y: data.classCounts[split].map(finiteOrNull),
    text: data.classCounts[split].map(formatCount),
    textposition: 'outside',
    marker: { color: SPLIT_COLORS[i % SPLIT_COLORS.length] },
  }));
  const after = data.arms.map((arm, i) => ({
    type: 'bar',
    name: plotlyText(`${arm.arm} (training rows)`),
    x: classes,
    y: arm.trainCounts.map(finiteOrNull),
    text: arm.trainCounts.map(formatCount),
    textposition: 'outside',
    marker: { color: armColor(i) },
  }));
  return { id: 'plot-class-counts', data: [...before, ...after], layout: { ...baseLayout('class', 'images'), barmode: 'group' } };
}

/** Loss against step; a log y axis when every loss is positive, because the loss falls by orders of magnitude. */
export function diffusionLossFigure(data: ReportData): RunFigure {
  const steps = data.diffusionLoss.map((point) => finiteOrNull(point.step));
  const losses = data.diffusionLoss.map((point) => finiteOrNull(point.loss));
  const logScale = losses.length > 0 && losses.every((loss) => loss === null || loss > 0);
  const layout = baseLayout('training step', logScale ? 'loss (log scale)' : 'loss');
  const yaxis = layout.yaxis as Record<string, unknown>;
  yaxis.type = logScale ? 'log' : 'linear';
  if (logScale) {
    // Plotly labels minor log ticks with a bare digit ("5" for 0.5), so the ticks are set here.
    const ticks = logTicks(losses.filter((loss): loss is number => loss !== null));
    yaxis.tickvals = ticks;
    yaxis.ticktext = ticks.map((tick) => String(tick));
  }
  layout.showlegend = false;
  if (losses.length === 0) {
    layout.annotations = [{ text: 'no loss recorded', showarrow: false, xref: 'paper', yref: 'paper', x: 0.5, y: 0.5 }];
  }
  return {
    id: 'plot-diffusion-loss',
    data: [{ type: 'scatter', mode: 'lines', name: 'diffusion loss', x: steps, y: losses, line: { color: '#1f77b4', width: 1.5 } }],
    layout,
  };
}

/**
 * Lists 1, 2 and 5 × 10^k for each decade k from floor(log10(min)) to ceil(log10(max)) of the
 * positive `values`. Plotly draws only the ticks inside the axis range.
 */
function logTicks(values: number[]): number[] {
  const lowest = Math.floor(Math.log10(Math.min(...values)));
  const highest = Math.ceil(Math.log10(Math.max(...values)));
  const ticks: number[] = [];
  for (let exponent = lowest; exponent <= highest; exponent++) {
    for (const mantissa of [1, 2, 5]) {
      // toPrecision removes the binary noise of 10 ** exponent (0.1 * 2 = 0.2, not 0.20000000000000004).
      ticks.push(Number((mantissa * 10 ** exponent).toPrecision(1)));
    }
  }
  return ticks;
}

/** Builds the layout of a square plot over [0, 1] × [0, 1], shared by the ROC and reliability figures. */
function unitSquareLayout(xTitle: string, yTitle: string): Record<string, unknown> {
  const layout = baseLayout(xTitle, yTitle);
  layout.height = 520;
  layout.xaxis = { title: { text: xTitle }, range: [0, 1], constrain: 'domain', zeroline: false };
  layout.yaxis = { title: { text: yTitle }, range: [0, 1], scaleanchor: 'x', scaleratio: 1, constrain: 'domain', zeroline: false };
  return layout;
}

function diagonalTrace(name: string): Record<string, unknown> {
  // First in the data so that curves draw over it, last in the legend.
  return {
    type: 'scatter',
    mode: 'lines',
    name,
    x: [0, 1],
    y: [0, 1],
    line: { color: '#888888', dash: 'dash', width: 1 },
    hoverinfo: 'skip',
    legendrank: 2000,
  };
}

export function rocFigure(data: ReportData): RunFigure {
  const traces = data.arms.map((arm, i) => ({
    type: 'scatter',
    mode: 'lines',
    name: plotlyText(`${arm.arm} (AUROC ${formatMetric(arm.metrics.auroc.value)})`),
    x: arm.roc.fpr.map(finiteOrNull),
    y: arm.roc.tpr.map(finiteOrNull),
    line: { color: armColor(i), width: 2 },
    hovertemplate: 'FPR %{x:.3f}<br>TPR %{y:.3f}',
  }));
  return {
    id: 'plot-roc',
    data: [diagonalTrace('chance'), ...traces],
    layout: unitSquareLayout('false-positive rate (1 − specificity)', 'true-positive rate (sensitivity)'),
  };
}

/** Draws bars at the mean with asymmetric whiskers to the CI bounds, grouped by metric with one bar per arm. */
export function sensitivitySpecificityFigure(data: ReportData): RunFigure {
  const traces = data.arms.map((arm, i) => {
    const intervals = [arm.metrics.sensitivity, arm.metrics.specificity];
    return {
      type: 'bar',
      name: plotlyText(arm.arm),
      x: ['sensitivity', 'specificity'],
      y: intervals.map((interval) => finiteOrNull(interval.value)),
      error_y: {
        type: 'data',
        symmetric: false,
        array: intervals.map((interval) => finiteOrNull(interval.upper - interval.value)),
        arrayminus: intervals.map((interval) => finiteOrNull(interval.value - interval.lower)),
        color: '#333333',
        thickness: 1.5,
        width: 6,
      },
      text: intervals.map((interval) => plotlyText(formatInterval(interval))),
      hovertemplate: '%{x}: %{text}',
      textposition: 'none',
      marker: { color: armColor(i) },
    };
  });
  const yTitle = plotlyText(`value for class ${data.positiveClass}`);
  const layout = baseLayout('', yTitle);
  layout.yaxis = { title: { text: yTitle }, range: [0, 1.05], automargin: true };
  layout.barmode = 'group';
  return { id: 'plot-sensitivity-specificity', data: traces, layout };
}

export function reliabilityFigure(data: ReportData): RunFigure {
  const traces = data.arms.map((arm, i) => ({
    type: 'scatter',
    mode: 'lines+markers',
    name: plotlyText(`${arm.arm} (ECE ${formatMetric(arm.metrics.ece.value)})`),
    x: arm.reliability.meanPredicted.map(finiteOrNull),
    y: arm.reliability.fractionPositive.map(finiteOrNull),
    customdata: arm.reliability.count.map(finiteOrNull),
    line: { color: armColor(i), width: 2 },
    marker: { size: 7 },
    hovertemplate: 'mean predicted %{x:.3f}<br>fraction positive %{y:.3f}<br>%{customdata} images',
  }));
  return {
    id: 'plot-reliability',
    data: [diagonalTrace('perfect calibration'), ...traces],
    layout: unitSquareLayout('mean predicted probability', 'fraction positive'),
  };
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** Formats a count as an integer, or with 3 decimals when it is not one. */
export function formatCount(count: number): string {
  return Number.isInteger(count) ? String(count) : formatMetric(count);
}
