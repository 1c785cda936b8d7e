/**
 * Multimodal work: fusion classifiers with modality dropout (modality encoders, the fusion
 * model, training, evaluation with every subset of modalities missing), and the report
 * experiment (weak image–report pairs, CLIP retrieval, report-conditioned generation).
 */
export * from './modalities';
export * from './encoders';
export * from './fusion-model';
export * from './modality-dropout';
export * from './fusion-batches';
export * from './train-fusion';
export * from './evaluate-subsets';
export * from './modality-dropout-experiment';
export * from './weak-pairs';
export * from './report-image-data';
export * from './report-image-settings';
export * from './report-image-experiment';
export * from './report-image-run';
export * from './report-image-table';
export * from './report-variation-summary';
