import type { ArmSummary, Interval, ReportData } from './report-data';
import { formatInterval, formatMetric, REAL_ONLY_ARM } from './comparison-table';
import { escapeHtml, inlineScript, scriptJson } from '../plots/html-text';
import { loadPlotlyBundle } from '../plots/plotly-bundle';
import { RunFigureId, buildRunFigures, formatCount } from '../plots/run-figures';

/**
 * Renders `report.html` as one self-contained HTML page. Plotly.js is inlined and images are data
 * URLs, and a Content-Security-Policy blocks requests to any host when the page is opened.
 *
 * Sections: notes, dataset, class counts, diffusion loss, ROC curves, sensitivity and specificity
 * with 95% CIs, the comparison table, the reliability diagram and the synthetic samples. Every
 * string taken from `data` is HTML-escaped. The output depends only on `data` and the installed
 * plotly.js version.
 */
export function renderReportHtml(data: ReportData): string {
  checkReportData(data);

  const figures = buildRunFigures(data);
  const figureById = new Map(figures.map((figure) => [figure.id, figure]));
  const plot = (id: RunFigureId, label: string) => {
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
<script>${inlineScript(loadPlotlyBundle('renderReportHtml').source)}</script>
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
// Formatting

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function seedLabel(data: ReportData): string {
  return data.seeds.length > 0 ? escapeHtml(String(data.seeds[0])) : '0';
}

// ---------------------------------------------------------------------------------------------
// Page assets

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
