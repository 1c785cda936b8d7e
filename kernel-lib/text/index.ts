/** Radiology report text: loading, finding labels, report variations, tokenizer, encoders and CLIP-style training. */
export * from './iu-xray';
export * from './finding-labeller';
export * from './report-variation';
export * from './tokenizer';
export * from './text-encoder';
export * from './image-encoder';
export * from './clip-loss';
export * from './clip';
export * from './clip-trainer';
export * from './retrieval';
