/**
 * Fidelity of synthetic images: Fréchet and kernel distances, k-NN precision and recall and
 * classifier confidence in a feature space, with memorisation and failure analysis, and the
 * report that computes them all for an experiment run.
 */
export * from './feature-rows';
export * from './symmetric-matrix';
export * from './frechet-distance';
export * from './frechet-bootstrap';
export * from './kernel-distance';
export * from './precision-recall';
export * from './class-confidence';
export * from './resize';
export * from './file-system-io';
export * from './feature-extractor';
export * from './memorisation';
export * from './fidelity-report';
export * from './fidelity-table';
