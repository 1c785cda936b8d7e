// Tokenizer, encoders and CLIP-style image–text training.
export * from './tokenizer';
export * from './text-encoder';
export * from './image-encoder';
export * from './clip-loss';
export * from './clip';
export * from './clip-trainer';
export * from './retrieval';
