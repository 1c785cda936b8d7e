/**
 * Plotly figures for notebooks and papers: inline display in Jupyter (tslab kernel), the figures
 * of an experiment run, paper styling, and export to SVG, PNG and PDF through headless Chromium.
 * Notebooks import the compiled copy, `import * as plots from '../dist/kernel-lib/plots'`.
 */
export * from './figure';
export * from './html-text';
export * from './plotly-bundle';
export * from './chromium';
export * from './png-chunks';
export * from './figure-renderer';
export * from './mime-bundle';
export * from './notebook-display';
export * from './paper-layout';
export * from './run-figures';
export * from './export';
export * from './run-export';
