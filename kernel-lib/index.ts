/**
 * Public entry of the medsynth library, for notebooks and scripts:
 * `import * as ms from '../kernel-lib'` in a notebook of this project (its tslab kernel,
 * bin/tslab-kernel.js, serves the compiled build of these sources).
 */
export * from './util/random';
export * from './util/log';
export * from './util/atomic-write';
export * from './util/moving-average';
export * from './util/markdown';
export * from './backend/select';
export * from './backend/probe';
export * from './diffusion/types';
export * from './diffusion/schedules';
export * from './diffusion/timesteps';
export * from './diffusion/parameterization';
export * from './diffusion/guidance';
export * from './diffusion/samplers';
export * from './nets/params';
export * from './nets/unet';
export * from './train/adam';
export * from './train/ema';
export * from './train/checkpoint';
export * from './train/diffusion-trainer';
export * from './data/image-dataset';
export * from './data/registry';
export * from './data/demo';
export * from './data/medmnist';
export * from './data/png-folder';
export * from './io/png';
export * from './pipelines/image-diffusion';
export * from './data/phantom';
export * from './data/data-check';
export * from './data/npz';
export * from './eval';
export * from './classify';
export * from './augment/memorization';
export * from './augment/rare-classes';
export * from './augment/synthetic-filter';
export * from './augment/generate-accepted';
export * from './experiment/config';
export * from './experiment/runner';
export * from './experiment/run-dir';
export * from './experiment/stage-runner';
export * from './experiment/open-experiment';
export * from './experiment/run-tables';
export * from './experiment/comparison-table';
export { buildReportData } from './experiment/stages/report';
export type { GenerationRecord } from './experiment/stages/generation';
export type { ReportData, ArmSummary } from './experiment/report-data';
export * from './plots';
export * from './plots/notebook-media';
export * as privacy from './privacy';
export * as fidelity from './eval/fidelity';
export * as dicom from './io/dicom';
export * as review from './review';
export * from './io/png16';
export * from './classify/features';
export * as ehr from './ehr';
