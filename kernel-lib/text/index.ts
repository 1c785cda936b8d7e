/** Radiology report text: the IU chest X-ray report loader, the finding labeller and report variations. */
// Reports, finding labels and report variations.
export * from './iu-xray';
export * from './finding-labeller';
export * from './report-variation';
// End of reports, finding labels and report variations.
