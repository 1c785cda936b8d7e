/**
 * Figures that set synthetic ICU trajectories beside real ones: hourly quantile bands of one
 * variable, and overlaid histograms of its measured values. Every synthetic trace is labelled
 * SYNTHETIC.
 */
import { HourlyGrid } from '../ehr/hourly-grid';
import { VARIABLE_INFO, TimeSeriesVariable } from '../ehr/variables';
import { PlotlyFigure } from './figure';

/** A grid to plot and its legend name (prefix synthetic ones with "SYNTHETIC"). */
export interface NamedGrid {
  name: string;
  grid: HourlyGrid;
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];

function variableIndex(caller: string, grid: HourlyGrid, variable: TimeSeriesVariable): number {
  const v = grid.variables.indexOf(variable);
  if (v < 0) throw new Error(`${caller}: variable '${variable}' is not in the grid; choose one of ${grid.variables.join(', ')}`);
  return v;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

/** Measured values of one variable at each hour, sorted ascending. */
function valuesByHour(grid: HourlyGrid, v: number): number[][] {
  const [patients, hours, numVariables] = grid.shape;
  const out: number[][] = Array.from({ length: hours }, () => []);
  for (let p = 0; p < patients; p++) {
    for (let h = 0; h < hours; h++) {
      const i = (p * hours + h) * numVariables + v;
      if (grid.mask[i] === 1) out[h].push(grid.values[i]);
    }
  }
  for (const list of out) list.sort((a, b) => a - b);
  return out;
}

/**
 * Median and interquartile band per hour of `variable`, one colour per grid, over the measured
 * cells only (an hour with no measurement leaves a gap).
 */
export function trajectoryBandFigure(grids: readonly NamedGrid[], variable: TimeSeriesVariable): PlotlyFigure {
  if (grids.length === 0) throw new Error('trajectoryBandFigure: pass at least one grid');
  const data: object[] = [];
  grids.forEach(({ name, grid }, k) => {
    const v = variableIndex('trajectoryBandFigure', grid, variable);
    const byHour = valuesByHour(grid, v);
    const hours = byHour.map((_, h) => h);
    const colour = COLOURS[k % COLOURS.length];
    const q = (p: number) => byHour.map((list) => (list.length === 0 ? null : quantile(list, p)));
    data.push(
      { type: 'scatter', mode: 'lines', x: hours, y: q(0.75), line: { width: 0, color: colour }, showlegend: false, hoverinfo: 'skip', legendgroup: name },
      { type: 'scatter', mode: 'lines', x: hours, y: q(0.25), fill: 'tonexty', fillcolor: `${colour}33`, line: { width: 0, color: colour }, name: `${name} IQR`, legendgroup: name },
      { type: 'scatter', mode: 'lines', x: hours, y: q(0.5), line: { color: colour, width: 2 }, name: `${name} median`, legendgroup: name },
    );
  });
  const unit = VARIABLE_INFO[variable].unit;
  return {
    data,
    layout: {
      title: { text: `${variable} (${VARIABLE_INFO[variable].description}) by hour since admission` },
      xaxis: { title: { text: 'hour' } },
      yaxis: { title: { text: unit } },
      height: 320,
      margin: { t: 40, b: 40 },
    },
  };
}

/**
 * Overlaid histograms of the measured values of `variable`, one per grid: the share of each
 * grid's measured cells per bin, over shared bins from the pooled 0.5th to 99.5th percentile.
 */
export function marginalOverlayFigure(grids: readonly NamedGrid[], variable: TimeSeriesVariable, bins = 40): PlotlyFigure {
  if (grids.length === 0) throw new Error('marginalOverlayFigure: pass at least one grid');
  if (!Number.isInteger(bins) || bins < 2) throw new Error(`marginalOverlayFigure: \`bins\` must be an integer >= 2, got ${bins}`);
  const samples = grids.map(({ grid }) => valuesByHour(grid, variableIndex('marginalOverlayFigure', grid, variable)).flat());
  const all = samples.flat().sort((a, b) => a - b);
  // A shared bin range from the 0.5th to the 99.5th percentile keeps a few outliers from flattening the view.
  const start = quantile(all, 0.005);
  const end = quantile(all, 0.995);
  const size = end > start ? (end - start) / bins : 1;
  // Counted here rather than by plotly, so a figure carries `bins` numbers per grid instead of every value.
  const centres = Array.from({ length: bins }, (_, b) => start + (b + 0.5) * size);
  const shares = samples.map((values) => {
    const counts = new Array<number>(bins).fill(0);
    for (const x of values) {
      if (x < start || x > end) continue;
      counts[Math.min(bins - 1, Math.floor((x - start) / size))]++;
    }
    return counts.map((c) => (values.length > 0 ? c / values.length : 0));
  });
  return {
    data: grids.map(({ name }, k) => ({
      type: 'bar',
      name,
      x: centres,
      y: shares[k],
      width: size,
      opacity: 0.55,
      marker: { color: COLOURS[k % COLOURS.length] },
    })),
    layout: {
      title: { text: `${variable}: measured hourly values` },
      barmode: 'overlay',
      xaxis: { title: { text: VARIABLE_INFO[variable].unit } },
      yaxis: { title: { text: 'share of measured cells' } },
      height: 300,
      margin: { t: 40, b: 40 },
    },
  };
}
