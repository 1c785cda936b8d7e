import { readFileSync, existsSync } from 'fs';
import * as path from 'path';

/** The plotly.js source of the installed plotly.js-dist-min (or plotly.js-dist) package. */
export interface PlotlyBundle {
  /** JavaScript source that defines `window.Plotly` when run in a page without a module loader. */
  source: string;
  /** File the source was read from. */
  file: string;
  /** Version from the package's package.json, e.g. `3.7.0`. */
  version: string;
}

let cachedBundle: PlotlyBundle | undefined;

/** Packages that ship plotly.js, in order of preference: the minified build is 4.8 MB, the other 11 MB. */
const PLOTLY_PACKAGES = [
  { name: 'plotly.js-dist-min', file: 'plotly.min.js' },
  { name: 'plotly.js-dist', file: 'plotly.js' },
] as const;

/**
 * Reads plotly.js once per process from the installed plotly.js-dist-min package, or from
 * plotly.js-dist when only that one is installed. `caller` starts the error message when
 * neither is.
 */
export function loadPlotlyBundle(caller: string): PlotlyBundle {
  if (cachedBundle !== undefined) return cachedBundle;
  for (const candidate of PLOTLY_PACKAGES) {
    let packageJsonFile: string;
    try {
      packageJsonFile = require.resolve(`${candidate.name}/package.json`);
    } catch {
      continue;
    }
    const file = path.join(path.dirname(packageJsonFile), candidate.file);
    if (!existsSync(file)) continue;
    const packageJson = JSON.parse(readFileSync(packageJsonFile, 'utf8')) as { version?: string };
    cachedBundle = { source: readFileSync(file, 'utf8'), file, version: packageJson.version ?? 'unknown' };
    return cachedBundle;
  }
  throw new Error(`${caller}: neither plotly.js-dist-min nor plotly.js-dist is installed, so plotly.js cannot be inlined; run \`npm install\``);
}

/**
 * Wraps the plotly.js bundle so that it sets `window.Plotly` in every notebook front end.
 * Jupyter Notebook 6 loads require.js, and a UMD bundle that finds `define.amd` registers an
 * anonymous AMD module instead of a global (plotly.js 2.x does; 3.x sets `window.Plotly`
 * itself). So `define` is hidden while the bundle runs and restored afterwards. The result is
 * plain JavaScript for a `<script>` element, not yet escaped for it (see `inlineScript`).
 */
export function wrapPlotlyForNotebook(bundle: PlotlyBundle): string {
  return `(function () {
  if (window.Plotly) return;
  var amdDefine = window.define;
  window.define = undefined;
  try {
${bundle.source}
  } finally {
    window.define = amdDefine;
  }
}).call(window);
`;
}
