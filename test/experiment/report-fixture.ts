import type { ArmSummary, Interval, ReportData } from '../../kernel-lib/experiment/report-data';
import { grayPngDataUrl } from '../../kernel-lib/experiment/png-data-url';

/** Class name with HTML markup, to check that user text is escaped everywhere. */
export const MARKUP_CLASS = '<b>x</b>';

/** Arm description that would close a script element and inject a script and an image if left unescaped. */
export const INJECTION_TEXT = '</script><script>alert(1)</script><img src=x onerror=alert(1)>';

function interval(value: number, lower: number, upper: number): Interval {
  return { value, lower, upper };
}

const NAN_INTERVAL = interval(NaN, NaN, NaN);

/** Encodes a 28×28 image of a disc of radius `radius` and brightness `level` on a dark background. */
function discImage(radius: number, level: number): string {
  const size = 28;
  const pixels = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inside = (x - 13.5) ** 2 + (y - 13.5) ** 2 <= radius * radius;
      pixels[y * size + x] = inside ? level : 20 + ((x + y) % 4) * 5;
    }
  }
  return grayPngDataUrl(pixels, size, size, 2);
}

function arm(
  id: string,
  description: string,
  metrics: Partial<ArmSummary['metrics']>,
  roc: ArmSummary['roc'],
  trainCounts: number[],
  fractionPositive: number[],
  differenceFromRealOnly?: ArmSummary['differenceFromRealOnly'],
): ArmSummary {
  const base: ArmSummary['metrics'] = {
    sensitivity: interval(0.5, 0.4, 0.6),
    specificity: interval(0.9, 0.85, 0.95),
    ppv: interval(0.3, 0.2, 0.4),
    f1: interval(0.375, 0.3, 0.45),
    fpr: interval(0.1, 0.05, 0.15),
    auroc: interval(0.8, 0.75, 0.85),
    auprc: interval(0.4, 0.3, 0.5),
    ece: interval(0.05, 0.03, 0.07),
    brier: interval(0.12, 0.1, 0.14),
    sensitivityAt90Specificity: interval(0.5, 0.4, 0.6),
  };
  return {
    arm: id,
    description,
    metrics: { ...base, ...metrics },
    differenceFromRealOnly,
    seedStd: { sensitivity: 0.021, specificity: 0.0104, auroc: 0.0125 },
    roc,
    reliability: {
      meanPredicted: [0.05, 0.25, 0.45, 0.65, NaN],
      fractionPositive,
      count: [400, 60, 20, 10, 0],
    },
    trainCounts,
  };
}

/**
 * Builds a report of three arms over two classes (the positive one named with HTML markup). Values are
 * chosen for the formatting checks: real-only sensitivity is `0.812 [0.741, 0.874]`, the
 * synthetic-only AUPRC is NaN throughout, and real+synthetic has an AUROC difference whose CI
 * excludes 0.
 */
export function makeReportFixture(): ReportData {
  return {
    title: 'Rare-class augmentation & <test>',
    runId: 'run-0001',
    dataset: {
      name: 'Phantom discs',
      source: '/data/phantom "discs"',
      license: 'CC BY 4.0',
      citation: 'A. Author. Phantom discs for testing. 2024.',
      sha256: 'ab'.repeat(32),
    },
    classNames: ['benign', MARKUP_CLASS],
    positiveClass: MARKUP_CLASS,
    classCounts: { train: [900, 40], val: [100, 5], test: [500, 25] },
    diffusionLoss: [
      { step: 0, loss: 1.0 },
      { step: 100, loss: 0.31 },
      { step: 200, loss: 0.12 },
      { step: 300, loss: 0.08 },
      { step: 400, loss: 0.061 },
    ],
    generation: {
      perClass: [
        {
          className: MARKUP_CLASS,
          target: 200,
          accepted: 180,
          generated: 240,
          rejected: { 'low-confidence': 45, memorised: 15 },
          reachedTarget: false,
          examples: {
            'low-confidence': [discImage(4, 120)],
            accepted: [discImage(8, 230), discImage(9, 210), discImage(7, 250)],
            memorised: [discImage(10, 255)],
          },
        },
      ],
    },
    arms: [
      arm(
        'real-only',
        'real training images only',
        { sensitivity: interval(0.8123, 0.7411, 0.8744) },
        { fpr: [0, 0.1, 0.3, 1], tpr: [0, 0.5, 0.8, 1] },
        [900, 40],
        [0.04, 0.2, 0.5, 0.7, NaN],
      ),
      arm(
        'real+synthetic',
        `real images plus accepted synthetic ${MARKUP_CLASS} ${INJECTION_TEXT}`,
        { auroc: interval(0.86, 0.82, 0.9) },
        { fpr: [0, 0.05, 0.2, 1], tpr: [0, 0.6, 0.9, 1] },
        [900, 220],
        [0.08, 0.3, 0.55, 0.6, NaN],
        { auroc: interval(0.06, 0.02, 0.1), sensitivity: interval(-0.01, -0.05, 0.03) },
      ),
      arm(
        'synthetic-only',
        'synthetic images only',
        { auprc: NAN_INTERVAL, ece: interval(NaN, 0.1, 0.2) },
        { fpr: [0, 0.5, 1], tpr: [0, 0.5, 1] },
        [0, 180],
        [0.2, 0.45, 0.4, 0.5, NaN],
        { auroc: interval(-0.2, -0.3, -0.1) },
      ),
    ],
    seeds: [0, 1, 2],
    notes: ['Metrics are means over 3 seeds.', `Positive class: ${MARKUP_CLASS}`],
  };
}
