import { readFileSync } from 'fs';
import type { ArmSummary, Interval, ReportData } from './report-data';
import { formatInterval, formatMetric, REAL_ONLY_ARM } from './comparison-table';

/**
 * Renders `report.html` as one self-contained HTML page. Plotly.js is inlined and images are data
 * URLs, and a Content-Security-Policy blocks requests to any host when the page is opened.
 *
 * Sections: notes, dataset, class counts, diffusion loss, ROC curves, sensitivity and specificity
 * with 95% CIs, the comparison table, the reliability diagram and the synthetic samples. Every
 * string taken from `data` is HTML-escaped. The output depends only on `data` and the installed
 * plotly.js-dist version.
 */
export function renderReportHtml(data: ReportData): string {
  checkReportData(data);

  const figures: Figure[] = [
    classCountsFigure(data),
    diffusionLossFigure(data),
    rocFigure(data),
    sensitivitySpecificityFigure(data),
    reliabilityFigure(data),
  ];
  const figureById = new Map(figures.map((figure) => [figure.id, figure]));
  const plot = (id: FigureId, label: string) => {
    if (!figureById.has(id)) throw new Error(`renderReportHtml: no figure with id '${id}'`);
    return `<div class="plot" id="${id}" role="img" aria-label="${escapeHtml(label)}"></div>`;
  };

  const body = [
    headerSection(data),
    datasetSection(data),
    `<section id="class-counts">
<h2>Class counts before and after augmentation</h2>
<p>Real images per class and split before augmentation, and the training rows per class of each arm
(synthetic rows included where the arm uses them).</p>
${classCountsTables(data)}
${plot('plot-class-counts', 'Bar chart of training rows per class, before augmentation and per arm')}
</section>`,
    `<section id="diffusion-loss">
<h2>Diffusion training loss</h2>
${data.diffusionLoss.length === 0 ? '<p class="missing">No diffusion loss was recorded in this run.</p>' : ''}
${plot('plot-diffusion-loss', 'Line chart of the diffusion training loss per step')}
</section>`,
    `<section id="roc">
<h2>ROC curves on the real test split</h2>
<p>Positive class <strong>${escapeHtml(data.positiveClass)}</strong>; one curve per arm from seed ${seedLabel(data)}. The dashed diagonal is a classifier that guesses.</p>
${plot('plot-roc', 'ROC curves, one per arm, with the chance diagonal')}
</section>`,
    `<section id="sensitivity-specificity">
<h2>Sensitivity and specificity with 95% CIs</h2>
<p>Positive class <strong>${escapeHtml(data.positiveClass)}</strong>; bars are the mean over seeds, whiskers the bootstrap 95% confidence interval.</p>
${plot('plot-sensitivity-specificity', 'Bar chart of sensitivity and specificity per arm with 95% confidence intervals')}
</section>`,
    comparisonSection(data),
    `<section id="reliability">
<h2>Reliability diagram</h2>
<p>Fraction of real test images that are <strong>${escapeHtml(data.positiveClass)}</strong> against the mean predicted probability, per equal-width bin, seed ${seedLabel(data)}. Points on the diagonal are perfectly calibrated; hover a point for its bin count.</p>
${plot('plot-reliability', 'Reliability diagram, one line per arm, with the diagonal of perfect calibration')}
</section>`,
    syntheticSection(data),
  ].join('\n');

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(data.title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
<script>${inlineScript(loadPlotlyBundle())}</script>
<script type="application/json" id="figure-data">${scriptJson(figures)}</script>
<script>${DRAW_FIGURES}</script>
</body>
</html>
`;
}

// ---------------------------------------------------------------------------------------------
// Input check

/** Metric rows of the comparison table, in display order. `better` is the preferred direction. */
const METRIC_ROWS = [
  { key: 'sensitivity', label: 'Sensitivity (recall)', better: 'higher' },
  { key: 'specificity', label: 'Specificity', better: 'higher' },
  { key: 'ppv', label: 'PPV (precision)', better: 'higher' },
  { key: 'f1', label: 'F1', better: 'higher' },
  { key: 'fpr', label: 'False-positive rate', better: 'lower' },
  { key: 'sensitivityAt90Specificity', label: 'Sensitivity at 90% specificity', better: 'higher' },
  { key: 'auroc', label: 'AUROC', better: 'higher' },
  { key: 'auprc', label: 'AUPRC', better: 'higher' },
  { key: 'ece', label: 'ECE (expected calibration error)', better: 'lower' },
  { key: 'brier', label: 'Brier score', better: 'lower' },
] as const satisfies readonly { key: keyof ArmSummary['metrics']; label: string; better: 'higher' | 'lower' }[];

const DIFFERENCE_ROWS = [
  { key: 'sensitivity', label: 'Δ sensitivity' },
  { key: 'specificity', label: 'Δ specificity' },
  { key: 'auroc', label: 'Δ AUROC' },
  { key: 'auprc', label: 'Δ AUPRC' },
  { key: 'ece', label: 'Δ ECE' },
] as const satisfies readonly { key: keyof NonNullable<ArmSummary['differenceFromRealOnly']>; label: string }[];

const SEED_STD_ROWS = [
  { key: 'sensitivity', label: 'SD of sensitivity' },
  { key: 'specificity', label: 'SD of specificity' },
  { key: 'auroc', label: 'SD of AUROC' },
  { key: 'ece', label: 'SD of ECE' },
] as const satisfies readonly { key: keyof ArmSummary['seedStd']; label: string }[];

/** Images must be base64 PNG data URLs, as `grayPngDataUrl` makes them. */
const PNG_DATA_URL = /^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/;

/** Throws on input the report cannot show faithfully: lengths that disagree, a missing metric, an image that is not a PNG data URL. */
function checkReportData(data: ReportData): void {
  const fail = (message: string): never => {
    throw new Error(`renderReportHtml: ${message}`);
  };

  if (!Array.isArray(data.classNames) || data.classNames.length === 0) {
    fail('`classNames` must list at least one class, got none');
  }
  const numClasses = data.classNames.length;
  if (!data.classNames.includes(data.positiveClass)) {
    fail(`\`positiveClass\` '${data.positiveClass}' is not one of \`classNames\` ${JSON.stringify(data.classNames)}`);
  }
  for (const [split, counts] of Object.entries(data.classCounts)) {
    if (!Array.isArray(counts) || counts.length !== numClasses) {
      fail(`\`classCounts.${split}\` must have one count per class (${numClasses}), got ${Array.isArray(counts) ? counts.length : typeof counts}`);
    }
  }

  if (!Array.isArray(data.arms) || data.arms.length === 0) {
    fail('`arms` must list at least one arm, got none; run the experiment first');
  }
  const armIds = new Set<string>();
  for (const arm of data.arms) {
    const where = `arm '${arm.arm}'`;
    if (armIds.has(arm.arm)) fail(`${where} appears twice in \`arms\`; arm ids must be unique`);
    armIds.add(arm.arm);
    for (const { key } of METRIC_ROWS) {
      const interval = arm.metrics?.[key];
      if (interval === undefined || !isInterval(interval)) {
        fail(`${where} has no valid \`metrics.${key}\` (numbers value, lower, upper); the runner must record every metric, NaN where undefined`);
      }
    }
    if (arm.trainCounts.length !== numClasses) {
      fail(`${where} \`trainCounts\` must have one count per class (${numClasses}), got ${arm.trainCounts.length}`);
    }
    if (arm.roc.fpr.length !== arm.roc.tpr.length) {
      fail(`${where} \`roc.fpr\` and \`roc.tpr\` must have the same length, got ${arm.roc.fpr.length} and ${arm.roc.tpr.length}`);
    }
    const { meanPredicted, fractionPositive, count } = arm.reliability;
    if (meanPredicted.length !== fractionPositive.length || meanPredicted.length !== count.length) {
      fail(
        `${where} \`reliability\` arrays must have the same length, got meanPredicted ${meanPredicted.length}, fractionPositive ${fractionPositive.length}, count ${count.length}`,
      );
    }
  }

  for (const entry of data.generation.perClass) {
    for (const [outcome, urls] of Object.entries(entry.examples)) {
      urls.forEach((url, i) => {
        if (typeof url !== 'string' || !PNG_DATA_URL.test(url)) {
          const start = typeof url === 'string' ? `'${url.slice(0, 40)}'` : typeof url;
          fail(`class '${entry.className}' example ${i} of '${outcome}' must be a base64 PNG data URL (see grayPngDataUrl), got ${start}`);
        }
      });
    }
  }
}

function isInterval(interval: Interval): boolean {
  return typeof interval.value === 'number' && typeof interval.lower === 'number' && typeof interval.upper === 'number';
}

// ---------------------------------------------------------------------------------------------
// HTML sections

function headerSection(data: ReportData): string {
  const notes = data.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('\n');
  return `<header>
<h1>${escapeHtml(data.title)}</h1>
<p class="run-id">Run <code>${escapeHtml(data.runId)}</code> · seeds ${escapeHtml(data.seeds.join(', ') || 'none recorded')} · positive class <strong>${escapeHtml(data.positiveClass)}</strong></p>
<div class="notice">
<p><strong>Every metric in this report comes from the REAL held-out test split.</strong></p>
<p><strong>Synthetic images are marked SYNTHETIC</strong> wherever they appear in this report.</p>
</div>
${notes === '' ? '' : `<ul class="notes">\n${notes}\n</ul>`}
<nav><a href="#dataset">Dataset</a> · <a href="#class-counts">Class counts</a> · <a href="#diffusion-loss">Diffusion loss</a> · <a href="#roc">ROC</a> · <a href="#sensitivity-specificity">Sensitivity and specificity</a> · <a href="#comparison">Comparison table</a> · <a href="#reliability">Reliability</a> · <a href="#synthetic-samples">Synthetic samples</a></nav>
</header>`;
}

function datasetSection(data: ReportData): string {
  const { dataset } = data;
  const missing = '<span class="missing">not recorded</span>';
  const rows: [string, string][] = [
    ['Name', escapeHtml(dataset.name)],
    ['Source', `<code>${escapeHtml(dataset.source)}</code>`],
    ['Licence', dataset.license === undefined ? missing : escapeHtml(dataset.license)],
    ['Citation', dataset.citation === undefined ? missing : `<span class="citation">${escapeHtml(dataset.citation)}</span>`],
    ['SHA-256', dataset.sha256 === undefined ? missing : `<code>${escapeHtml(dataset.sha256)}</code>`],
    ['Classes', data.classNames.map((name) => escapeHtml(name)).join(', ')],
    ['Positive class', `<strong>${escapeHtml(data.positiveClass)}</strong>`],
  ];
  return `<section id="dataset">
<h2>Dataset</h2>
<table class="key-value">
${rows.map(([key, value]) => `<tr><th scope="row">${key}</th><td>${value}</td></tr>`).join('\n')}
</table>
</section>`;
}

function classCountsTables(data: ReportData): string {
  const head = `<tr><th scope="col"></th>${data.classNames.map((name) => `<th scope="col">${escapeHtml(name)}</th>`).join('')}<th scope="col">Total</th></tr>`;
  const row = (label: string, counts: number[]) =>
    `<tr><th scope="row">${label}</th>${counts.map((count) => `<td>${formatCount(count)}</td>`).join('')}<td>${formatCount(sum(counts))}</td></tr>`;

  const splits = Object.entries(data.classCounts);
  const realRows = splits.map(([split, counts]) => row(`real ${escapeHtml(split)}`, counts)).join('\n');
  const armRows = data.arms.map((arm) => row(`arm ${escapeHtml(arm.arm)}`, arm.trainCounts)).join('\n');
  return `<div class="table-wrap"><table class="numbers">
<thead>${head}</thead>
<tbody class="group"><tr><th colspan="${data.classNames.length + 2}" class="group-title">Real images before augmentation</th></tr>
${splits.length === 0 ? `<tr><td colspan="${data.classNames.length + 2}" class="missing">not recorded</td></tr>` : realRows}
</tbody>
<tbody class="group"><tr><th colspan="${data.classNames.length + 2}" class="group-title">Training rows per arm, after augmentation</th></tr>
${armRows}
</tbody>
</table></div>`;
}

function comparisonSection(data: ReportData): string {
  const columns = data.arms.length + 2;
  const head = `<tr><th scope="col">Metric</th><th scope="col">Better</th>${data.arms
    .map((arm) => `<th scope="col">${escapeHtml(arm.arm)}<div class="description">${escapeHtml(arm.description)}</div></th>`)
    .join('')}</tr>`;
  const groupTitle = (title: string) => `<tr><th colspan="${columns}" class="group-title">${title}</th></tr>`;

  const metricRows = METRIC_ROWS.map(
    ({ key, label, better }) =>
      `<tr><th scope="row">${label}</th><td class="better">${better}</td>${data.arms
        .map((arm) => `<td>${formatInterval(arm.metrics[key])}</td>`)
        .join('')}</tr>`,
  );

  const differenceRows = DIFFERENCE_ROWS.map(
    ({ key, label }) =>
      `<tr><th scope="row">${label}</th><td class="better">${METRIC_ROWS.find((row) => row.key === key)?.better ?? ''}</td>${data.arms
        .map((arm) => differenceCell(arm, arm.differenceFromRealOnly?.[key]))
        .join('')}</tr>`,
  );

  const seedRows = SEED_STD_ROWS.map(
    ({ key, label }) =>
      `<tr><th scope="row">${label}</th><td class="better"></td>${data.arms
        .map((arm) => {
          const std = arm.seedStd[key];
          return `<td>${std === undefined ? 'n/a' : formatMetric(std)}</td>`;
        })
        .join('')}</tr>`,
  );

  return `<section id="comparison">
<h2>Comparison of arms</h2>
<p>Positive class <strong>${escapeHtml(data.positiveClass)}</strong>, real held-out test split. Each cell is the mean over ${data.seeds.length} ${data.seeds.length === 1 ? 'seed' : 'seeds'} with its bootstrap 95% confidence interval, written <code>value [lower, upper]</code>; <code>n/a</code> marks a metric that is undefined on this split.
Differences are paired-bootstrap estimates of arm − <code>${REAL_ONLY_ARM}</code>; a <span class="excludes-zero">highlighted</span> difference has a 95% CI that excludes 0.</p>
<div class="table-wrap"><table class="numbers comparison">
<thead>${head}</thead>
<tbody class="group">${groupTitle('Metrics on the real test split')}
${metricRows.join('\n')}
</tbody>
<tbody class="group">${groupTitle(`Difference from <code>${REAL_ONLY_ARM}</code> (paired bootstrap, 95% CI)`)}
${differenceRows.join('\n')}
</tbody>
<tbody class="group">${groupTitle(`Spread over seeds (standard deviation; seeds ${escapeHtml(data.seeds.join(', ') || 'none recorded')})`)}
${seedRows.join('\n')}
</tbody>
</table></div>
</section>`;
}

function differenceCell(arm: ArmSummary, difference: Interval | undefined): string {
  if (difference === undefined) {
    return arm.arm === REAL_ONLY_ARM ? '<td class="reference">reference</td>' : '<td>n/a</td>';
  }
  const excludesZero = difference.lower > 0 || difference.upper < 0;
  return `<td${excludesZero ? ' class="excludes-zero"' : ''}>${formatInterval(difference)}</td>`;
}

function syntheticSection(data: ReportData): string {
  const perClass = data.generation.perClass;
  if (perClass.length === 0) {
    return `<section id="synthetic-samples">
<h2>Synthetic samples</h2>
<p class="missing">No synthetic images were generated in this run.</p>
</section>`;
  }

  // Rejection reasons in order of first appearance, one table column each.
  const reasons = [...new Set(perClass.flatMap((entry) => Object.keys(entry.rejected)))];
  const head = `<tr><th scope="col">Class</th><th scope="col">Target</th><th scope="col">Generated</th><th scope="col">Accepted</th>${reasons
    .map((reason) => `<th scope="col">Rejected: ${escapeHtml(reason)}</th>`)
    .join('')}<th scope="col">Reached target</th></tr>`;
  const rows = perClass.map(
    (entry) =>
      `<tr><th scope="row">${escapeHtml(entry.className)}</th><td>${formatCount(entry.target)}</td><td>${formatCount(entry.generated)}</td><td>${formatCount(
        entry.accepted,
      )}</td>${reasons.map((reason) => `<td>${formatCount(entry.rejected[reason] ?? 0)}</td>`).join('')}<td>${
        entry.reachedTarget ? 'yes' : '<span class="missing">no</span>'
      }</td></tr>`,
  );

  const galleries = perClass.map((entry) => {
    // Accepted samples first, then each rejection reason in the runner's order.
    const outcomes = Object.keys(entry.examples).sort((a, b) => Number(b === 'accepted') - Number(a === 'accepted'));
    const blocks = outcomes.map((outcome) => {
      const urls = entry.examples[outcome];
      const title = outcome === 'accepted' ? 'Accepted' : `Rejected: ${escapeHtml(outcome)}`;
      const images = urls
        .map(
          (url, i) =>
            `<figure class="synthetic"><img src="${url}" alt="SYNTHETIC ${escapeHtml(entry.className)} sample ${i + 1}, ${escapeHtml(
              outcome,
            )}"><figcaption>SYNTHETIC</figcaption></figure>`,
        )
        .join('');
      return `<h4>${title} <span class="count">(${urls.length} shown)</span></h4>
<div class="gallery">${urls.length === 0 ? '<p class="missing">none</p>' : images}</div>`;
    });
    return `<div class="class-samples">
<h3>${escapeHtml(entry.className)}</h3>
${blocks.length === 0 ? '<p class="missing">No examples recorded.</p>' : blocks.join('\n')}
</div>`;
  });

  return `<section id="synthetic-samples">
<h2>Synthetic samples</h2>
<p class="notice synthetic-notice"><strong>Every image in this section is SYNTHETIC</strong>, drawn by the diffusion model; none is a patient image. Rejected samples were not used for training.</p>
<div class="table-wrap"><table class="numbers">
<thead>${head}</thead>
<tbody>
${rows.join('\n')}
</tbody>
</table></div>
${galleries.join('\n')}
</section>`;
}

// ---------------------------------------------------------------------------------------------
// Figures (plotly.js traces and layouts, drawn by DRAW_FIGURES in the page)

type FigureId = 'plot-class-counts' | 'plot-diffusion-loss' | 'plot-roc' | 'plot-sensitivity-specificity' | 'plot-reliability';

interface Figure {
  id: FigureId;
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
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
function classCountsFigure(data: ReportData): Figure {
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
function diffusionLossFigure(data: ReportData): Figure {
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

function rocFigure(data: ReportData): Figure {
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
function sensitivitySpecificityFigure(data: ReportData): Figure {
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

function reliabilityFigure(data: ReportData): Figure {
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

// ---------------------------------------------------------------------------------------------
// Escaping and formatting

/** Escapes text for HTML element content and quoted attribute values. */
function escapeHtml(text: string): string {
  return String(text).replace(/[&<>"']/g, (char) => HTML_ENTITIES[char]);
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for plotly.js labels, which read a subset of HTML tags (`<b>`, `<a href>`, ...)
 * and decode `&amp;`, `&lt;` and `&gt;`, so user text shows literally.
 */
function plotlyText(text: string): string {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Serializes figures for a `<script type="application/json">` element: `<`, `>` and `&` become
 * `\u` escapes so no string can close the element, and NaN becomes null (JSON has no NaN;
 * plotly leaves a gap there).
 */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Makes JavaScript source safe inside `<script>`: `</script` and `<!--` would end or confuse the
 * element. `<\/` and `<\!` mean the same inside strings, regular expressions and comments.
 */
function inlineScript(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

function formatCount(count: number): string {
  return Number.isInteger(count) ? String(count) : formatMetric(count);
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function seedLabel(data: ReportData): string {
  return data.seeds.length > 0 ? escapeHtml(String(data.seeds[0])) : '0';
}

// ---------------------------------------------------------------------------------------------
// Page assets

let plotlyBundle: string | undefined;

/** Reads plotly.js from the installed plotly.js-dist package once per process. */
function loadPlotlyBundle(): string {
  if (plotlyBundle === undefined) {
    let path: string;
    try {
      path = require.resolve('plotly.js-dist');
    } catch {
      throw new Error('renderReportHtml: the package plotly.js-dist is not installed, so plotly.js cannot be inlined; run `npm install`');
    }
    plotlyBundle = readFileSync(path, 'utf8');
  }
  return plotlyBundle;
}

/** Draws each figure from the JSON element; runs in the browser after plotly.js. */
const DRAW_FIGURES = `
(function () {
  var figures = JSON.parse(document.getElementById('figure-data').textContent);
  var config = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ['select2d', 'lasso2d'] };
  figures.forEach(function (figure) {
    Plotly.newPlot(figure.id, figure.data, figure.layout, config);
  });
})();
`;

const STYLE = `
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; color: #1a1a1a; margin: 0 auto; padding: 24px 32px 64px; max-width: 1100px; line-height: 1.45; }
h1 { margin: 0 0 4px; font-size: 1.8em; }
h2 { margin-top: 40px; padding-bottom: 4px; border-bottom: 2px solid #ddd; }
h3 { margin: 24px 0 4px; }
h4 { margin: 12px 0 6px; font-size: 0.95em; }
code { font-family: ui-monospace, 'SFMono-Regular', Menlo, monospace; font-size: 0.9em; overflow-wrap: anywhere; }
.run-id { color: #555; margin: 0 0 16px; }
.notice { border: 2px solid #b03a2e; background: #fdf2f0; padding: 10px 16px; border-radius: 4px; margin: 12px 0; }
.notice p { margin: 4px 0; }
.notes { margin: 12px 0; }
nav { margin: 16px 0 0; font-size: 0.95em; }
nav a { color: #1f5fa8; }
.missing { color: #b03a2e; font-style: italic; }
.citation { white-space: pre-wrap; }
.table-wrap { overflow-x: auto; margin: 12px 0; }
table { border-collapse: collapse; font-size: 0.92em; }
th, td { border: 1px solid #d0d0d0; padding: 4px 8px; text-align: left; vertical-align: middle; }
thead th { background: #f0f0f0; }
table.numbers td { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.key-value th { background: #f7f7f7; white-space: nowrap; }
.group-title { background: #e8eef6; font-weight: 600; text-align: left; }
.comparison td.better { text-align: center; color: #555; font-size: 0.85em; }
.description { font-weight: normal; font-size: 0.85em; color: #555; white-space: normal; max-width: 220px; }
.excludes-zero { background: #fff3c4; font-weight: 600; }
td.reference { color: #777; font-style: italic; text-align: center; }
.plot { width: 100%; min-height: 420px; margin: 8px 0; }
.class-samples { margin-bottom: 16px; }
.gallery { display: flex; flex-wrap: wrap; gap: 10px; }
.count { font-weight: normal; color: #666; }
figure.synthetic { margin: 0; width: 100px; text-align: center; }
figure.synthetic img { display: block; box-sizing: border-box; width: 100%; height: auto; image-rendering: pixelated; border: 2px solid #b03a2e; background: #000; }
figure.synthetic figcaption { background: #b03a2e; color: #fff; font-size: 10px; font-weight: 700; letter-spacing: 0.08em; padding: 1px 0; }
`;
