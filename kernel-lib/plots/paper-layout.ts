import { JsonObject, JsonValue, PlotlyFigure, PlotlyJson, toPlotlyJson } from './figure';

/** Column widths of two-column journal and conference templates (IEEE: 3.5 in and 7.16 in). */
export const COLUMN_WIDTHS_INCHES = { single: 3.5, double: 7.16 } as const;
export type ColumnWidth = keyof typeof COLUMN_WIDTHS_INCHES;

export const PAPER_FONT_FAMILIES = ['sans-serif', 'serif'] as const;
export type PaperFontFamily = (typeof PAPER_FONT_FAMILIES)[number];

/** CSS font stacks: the standard faces first, then their metric-compatible Liberation clones. */
const FONT_STACKS: Record<PaperFontFamily, string> = {
  'sans-serif': 'Arial, Helvetica, "Liberation Sans", sans-serif',
  serif: '"Times New Roman", Times, "Liberation Serif", serif',
};

/** CSS pixels per inch; plotly sizes (width, height, font size, line width) are CSS pixels. */
export const CSS_PX_PER_INCH = 96;
const POINTS_PER_INCH = 72;

export interface PaperLayoutOptions {
  /** Figure width in inches (default 3.5, one column; 7.16 spans both columns). */
  widthInches?: number;
  /** Figure height in inches (default 0.75 × the width). */
  heightInches?: number;
  /** Base font size in points (default 8); titles, ticks and legend use it. */
  fontSize?: number;
  fontFamily?: PaperFontFamily;
}

/** Width of axis lines, ticks and error bars in CSS pixels: 0.75 px is 0.56 pt at 96 px per inch. */
const THIN_LINE_PX = 0.75;
/** Widest data line in CSS pixels (1 px = 0.75 pt), so curves stay distinct at column width. */
const DATA_LINE_MAX_PX = 1;
const MARKER_MAX_PX = 4;
/** Whisker cap width of error bars in CSS pixels. */
const ERROR_CAP_MAX_PX = 3;

/**
 * Restyles `figure` for a two-column paper and returns the copy. The copy has the size in inches,
 * laid out at 96 CSS px per inch (a 3.5 in figure is 336 px wide), and one font family at
 * `fontSize` points throughout. It has black text on white, thin axis and data lines, small
 * markers, and no plotly mode bar. Margins are trimmed, and axes and legends widen them as far as
 * their labels need. A legend below the plot moves to the bottom edge (see `paperLegend`). Axis
 * ranges, log scales and colours are kept, and the input is not modified.
 */
export function paperLayout(figure: PlotlyFigure, options: PaperLayoutOptions = {}): PlotlyJson {
  const widthInches = options.widthInches ?? COLUMN_WIDTHS_INCHES.single;
  const heightInches = options.heightInches ?? 0.75 * widthInches;
  const fontSize = options.fontSize ?? 8;
  const fontFamily = options.fontFamily ?? 'sans-serif';
  checkInches('widthInches', widthInches);
  checkInches('heightInches', heightInches);
  if (!Number.isFinite(fontSize) || fontSize < 4 || fontSize > 24) {
    throw new Error(`paperLayout: \`fontSize\` must be between 4 and 24 points, got ${fontSize}; journals ask for 6 to 10`);
  }
  if (!(PAPER_FONT_FAMILIES as readonly string[]).includes(fontFamily)) {
    throw new Error(`paperLayout: \`fontFamily\` must be one of ${PAPER_FONT_FAMILIES.join(', ')}, got '${fontFamily}'`);
  }

  const json = toPlotlyJson(figure);
  const fontPx = (fontSize * CSS_PX_PER_INCH) / POINTS_PER_INCH;
  const font = { family: FONT_STACKS[fontFamily], size: round2(fontPx), color: '#000000' };
  const layout = json.layout;

  layout.width = Math.round(widthInches * CSS_PX_PER_INCH);
  layout.height = Math.round(heightInches * CSS_PX_PER_INCH);
  layout.autosize = false;
  layout.font = font;
  layout.paper_bgcolor = '#ffffff';
  layout.plot_bgcolor = '#ffffff';
  const hasTitle = titleText(layout.title) !== '';
  // Axes and legends push these margins outwards (automargin) as far as their labels need.
  // Top and right keep room for half a tick label at the axis ends.
  layout.margin = { l: 2, r: Math.ceil(fontPx), t: hasTitle ? Math.ceil(fontPx * 2.5) : Math.ceil(fontPx), b: 2, pad: 0 };
  if (hasTitle) layout.title = { ...asObject(layout.title), font: { ...font } };

  for (const key of axisKeys(layout)) {
    const axis = asObject(layout[key]);
    layout[key] = { ...axis, ...paperAxis(font) };
    // An explicit standoff makes plotly widen the margin for the title as well as the tick labels.
    if (axis.title !== undefined) (layout[key] as JsonObject).title = { ...asObject(axis.title), font: { ...font }, standoff: Math.round(fontPx / 2) };
  }
  if (layout.showlegend !== false) layout.legend = paperLegend(asObject(layout.legend), font);
  // Bar labels that would need a smaller font than the rest are hidden rather than overlapping.
  layout.uniformtext = { mode: 'hide', minsize: round2(fontPx) };
  if (Array.isArray(layout.annotations)) {
    layout.annotations = layout.annotations.map((annotation) => ({ ...asObject(annotation), font: { ...font } }));
  }

  return {
    data: json.data.map((trace) => paperTrace(trace, font)),
    layout,
    config: { ...(json.config ?? {}), displayModeBar: false, displaylogo: false, responsive: false },
  };
}

function checkInches(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0.5 || value > 20) {
    throw new Error(
      `paperLayout: \`${name}\` must be between 0.5 and 20 inches, got ${value}; a column is ${COLUMN_WIDTHS_INCHES.single} in, a page width ${COLUMN_WIDTHS_INCHES.double} in`,
    );
  }
}

/** Styles one axis: black thin line and outside ticks, light grid, labels that widen the margin. */
function paperAxis(font: JsonObject): JsonObject {
  return {
    showline: true,
    linewidth: THIN_LINE_PX,
    linecolor: '#000000',
    ticks: 'outside',
    ticklen: 3,
    tickwidth: THIN_LINE_PX,
    tickcolor: '#000000',
    tickfont: { ...font },
    gridcolor: '#e5e5e5',
    gridwidth: 0.5,
    zeroline: false,
    automargin: true,
  };
}

/**
 * Styles the legend. A legend below the plot (plotly's paper `y` < 0) moves to the bottom edge of
 * the figure (`yref: 'container'`), where plotly reserves its height below the axis labels; at a
 * paper `y` it would overlap the x-axis title once the plot shrinks to column width. Its entries
 * flow left to right and wrap, so long names take a row each.
 */
function paperLegend(legend: JsonObject, font: JsonObject): JsonObject {
  const styled: JsonObject = { ...legend, font: { ...font }, bgcolor: 'rgba(0,0,0,0)', borderwidth: 0, tracegroupgap: 2, itemwidth: 30 };
  const below = typeof legend.y === 'number' && legend.y < 0 && (legend.yref === undefined || legend.yref === 'paper');
  if (below) {
    Object.assign(styled, {
      orientation: 'h',
      x: 0,
      xanchor: 'left',
      y: 0,
      yanchor: 'bottom',
      yref: 'container',
    });
  }
  return styled;
}

/** Thins lines, markers and error bars of one trace, and sets its text font. */
function paperTrace(trace: JsonObject, font: JsonObject): JsonObject {
  const out: JsonObject = { ...trace };
  const line = asObject(trace.line);
  const type = typeof trace.type === 'string' ? trace.type : 'scatter';
  if (type === 'scatter' || type === 'scattergl' || trace.line !== undefined) {
    out.line = { ...line, width: Math.min(numberOr(line.width, 2), DATA_LINE_MAX_PX) };
  }
  if (trace.marker !== undefined || type === 'scatter' || type === 'scattergl') {
    const marker = asObject(trace.marker);
    out.marker = { ...marker };
    if (type !== 'bar' && type !== 'histogram' && type !== 'pie') {
      (out.marker as JsonObject).size = Array.isArray(marker.size) ? marker.size : Math.min(numberOr(marker.size, 6), MARKER_MAX_PX);
    }
  }
  for (const key of ['error_x', 'error_y'] as const) {
    const errors = trace[key];
    if (errors === undefined) continue;
    const bars = asObject(errors);
    out[key] = {
      ...bars,
      thickness: Math.min(numberOr(bars.thickness, 2), THIN_LINE_PX),
      width: Math.min(numberOr(bars.width, 4), ERROR_CAP_MAX_PX),
    };
  }
  if (trace.text !== undefined || trace.texttemplate !== undefined) out.textfont = { ...asObject(trace.textfont), ...font };
  return out;
}

/** Layout keys of cartesian axes (`xaxis`, `yaxis2`, ...); `xaxis` and `yaxis` always. */
function axisKeys(layout: JsonObject): string[] {
  const keys = new Set(['xaxis', 'yaxis']);
  for (const key of Object.keys(layout)) if (/^[xy]axis\d*$/.test(key)) keys.add(key);
  return [...keys];
}

function titleText(title: JsonValue | undefined): string {
  if (typeof title === 'string') return title;
  const text = asObject(title).text;
  return typeof text === 'string' ? text : '';
}

function asObject(value: JsonValue | undefined): JsonObject {
  if (typeof value === 'string') return { text: value }; // plotly's shorthand `title: 'text'`
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

function numberOr(value: JsonValue | undefined, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
