/**
 * Evaluation of synthetic tabular records: column tables, an encoder and logistic regression
 * fitted on training rows only, TSTR and TRTR on real test rows, a discriminative score and
 * patient subgroups.
 */
export * from './table';
export * from './encoder';
export * from './logistic-regression';
export * from './tstr';
export * from './discriminative';
export * from './age-bands';
