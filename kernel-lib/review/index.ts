/**
 * Visual Turing test of synthetic images: review sessions of real and synthetic images, the
 * durable store of reviewers' answers, the local HTTP server with its page, and the scores.
 */
export * from './session';
export * from './answers-store';
export * from './page';
export * from './server';
export * from './scoring';
