/**
 * Multimodal fusion classifiers with modality dropout: modality encoders, the fusion model,
 * training, and evaluation with every subset of modalities missing.
 */
export * from './modalities';
export * from './encoders';
export * from './fusion-model';
export * from './modality-dropout';
export * from './fusion-batches';
export * from './train-fusion';
export * from './evaluate-subsets';
export * from './modality-dropout-experiment';
