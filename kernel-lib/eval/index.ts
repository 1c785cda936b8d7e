/**
 * Evaluation metrics for classifiers judged on a real held-out test split: threshold metrics,
 * ROC and precision-recall analysis, calibration, multiclass one-vs-rest metrics, subgroup
 * metrics and paired bootstrap intervals. Pure float64 code on number arrays, no tensors.
 */
export * from './validate';
export * from './binary';
export * from './roc';
export * from './precision-recall';
export * from './calibration';
export * from './multiclass';
export * from './bootstrap';
export * from './subgroups';
export * from './report';
export * from './format-report';
