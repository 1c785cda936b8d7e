/**
 * Everything `report.html` shows, gathered by the experiment runner from the run's files.
 * All metric values come from the real test split.
 */
export interface Interval {
  value: number;
  lower: number;
  upper: number;
}

export interface ArmSummary {
  /** Arm id, e.g. `real-only`, `real+synthetic`. */
  arm: string;
  /** One-line description of what the arm trains on. */
  description: string;
  /** Headline metrics for the positive (rare) class, mean over seeds with a bootstrap 95% CI. */
  metrics: Record<'sensitivity' | 'specificity' | 'ppv' | 'f1' | 'fpr' | 'auroc' | 'auprc' | 'ece' | 'brier' | 'sensitivityAt90Specificity', Interval>;
  /** Paired bootstrap difference against the real-only arm (absent for real-only itself). */
  differenceFromRealOnly?: Partial<Record<'sensitivity' | 'specificity' | 'auroc' | 'auprc' | 'ece', Interval>>;
  /** Spread over seeds: standard deviation of each headline metric. */
  seedStd: Partial<Record<'sensitivity' | 'specificity' | 'auroc' | 'ece', number>>;
  /** ROC curve of seed 0 on the test split. */
  roc: { fpr: number[]; tpr: number[] };
  /** Reliability diagram of seed 0 on the test split (equal-width bins). */
  reliability: { meanPredicted: number[]; fractionPositive: number[]; count: number[] };
  /** Training rows per class for this arm (synthetic rows included where the arm uses them). */
  trainCounts: number[];
}

export interface ReportData {
  title: string;
  runId: string;
  /** Dataset name, source path, licence and citation. */
  dataset: { name: string; source: string; license?: string; citation?: string; sha256?: string };
  classNames: string[];
  positiveClass: string;
  /** Real class counts per split, before augmentation: split → counts per class. */
  classCounts: Record<string, number[]>;
  /** Diffusion training loss history. */
  diffusionLoss: { step: number; loss: number }[];
  generation: {
    perClass: {
      className: string;
      target: number;
      accepted: number;
      generated: number;
      rejected: Record<string, number>;
      reachedTarget: boolean;
      /** Example images as PNG data URLs, per outcome (`accepted`, `low-confidence`, `memorised`). */
      examples: Record<string, string[]>;
    }[];
  };
  arms: ArmSummary[];
  seeds: number[];
  /** Notes printed at the top, e.g. that every number comes from the real test split. */
  notes: string[];
}
