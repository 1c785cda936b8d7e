import * as path from 'path';
import { FINDINGS, Finding, labelFindings } from '../text/finding-labeller';
import { buildSentenceBank, generateReportVariation, ReportVariation } from '../text/report-variation';
import { writeJsonAtomic } from '../util/atomic-write';
import { log } from '../util/log';
import { ReportImageData } from './report-image-data';

/** Finding that a report of each image class states: the label the variations must keep. */
const CLASS_FINDINGS: Readonly<Record<string, Finding | 'normal'>> = {
  normal: 'normal',
  'no finding': 'normal',
  pneumonia: 'pneumonia',
  effusion: 'pleural effusion',
  cardiomegaly: 'cardiomegaly',
  nodule: 'nodule',
};

/** Numbers about the variations of one finding; the texts go to a file in the run directory. */
export interface ReportVariationSummary {
  finding: Finding | 'normal';
  generated: number;
  /** Variations whose labels, read again by the labeller, state the finding and no other. */
  labelsKept: number;
  /** Variations equal to a whole training report after case and space normalisation. */
  verbatimCopies: number;
  maxOverlapWords: number;
  meanOverlapWords: number;
  /** Reason that none were generated, when the bank had no usable sentence. */
  error?: string;
}

export const REPORT_VARIATIONS_FILE = 'report-variations.json';

function keepsFinding(variation: ReportVariation, finding: Finding | 'normal'): boolean {
  const labels = labelFindings(variation.text);
  return FINDINGS.every((f) => {
    if (finding === 'normal') return labels[f] !== 'positive' && labels[f] !== 'uncertain';
    return f === finding ? labels[f] === 'positive' : labels[f] !== 'positive';
  });
}

/**
 * Generates `n` variations for the finding of every image class from the training reports'
 * sentences, re-checks each with the labeller, counts whole-report copies and the longest
 * word overlap, and writes the texts to `<outDir>/report-variations.json`. The texts are built
 * from the source corpus, so they keep its licence: that file stays in the run directory.
 */
export function reportVariationSummary(data: ReportImageData, n: number, seed: number, outDir: string): ReportVariationSummary[] {
  const trainReports = data.splits.train.reports;
  const bank = buildSentenceBank(trainReports.map((r) => ({ id: r.id, text: r.text })));
  const normalise = (text: string) => text.toLowerCase().replace(/\s+/g, ' ').trim();
  const wholeReports = new Set(trainReports.map((r) => normalise(r.text)));
  const texts: Record<string, string[]> = {};
  const summaries = data.classNames.map((className): ReportVariationSummary => {
    const finding = CLASS_FINDINGS[className];
    if (!finding) throw new Error(`reportVariationSummary: class '${className}' has no finding to keep; add it to CLASS_FINDINGS`);
    try {
      const variations = generateReportVariation(finding, { n, seed, bank });
      const overlaps = variations.map((v) => v.longestOverlapWords);
      texts[finding] = variations.map((v) => v.text);
      return {
        finding,
        generated: variations.length,
        labelsKept: variations.filter((v) => keepsFinding(v, finding)).length,
        verbatimCopies: variations.filter((v) => wholeReports.has(normalise(v.text))).length,
        maxOverlapWords: Math.max(...overlaps),
        meanOverlapWords: overlaps.reduce((a, b) => a + b, 0) / overlaps.length,
      };
    } catch (err) {
      log.warn(`report variations for '${finding}': ${(err as Error).message}`);
      return { finding, generated: 0, labelsKept: 0, verbatimCopies: 0, maxOverlapWords: 0, meanOverlapWords: 0, error: (err as Error).message };
    }
  });
  writeJsonAtomic(path.join(outDir, REPORT_VARIATIONS_FILE), { synthetic: true, note: 'recombined report sentences; synthetic text', texts });
  return summaries;
}
