/**
 * Public entry of the medsynth library, for notebooks and scripts:
 * `import * as ms from '../kernel-lib'`.
 */
export * from './util/random';
export * from './util/log';
export * from './backend/select';
export * from './diffusion/schedules';
export * from './diffusion/timesteps';
export * from './nets/unet';
export * from './data/registry';
