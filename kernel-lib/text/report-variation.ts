/**
 * Report variations for one finding, recombined from the sentences of real or written
 * reports: one sentence that states the finding, plus sentences that describe other
 * structures as normal, in the usual order of a chest radiograph report (heart,
 * mediastinum, lungs, pleura, bones, other, then a summary line).
 *
 * Every variation is checked with labelFindings and never equals a whole bank report.
 * The longest run of words it shares with one bank report is returned with it, so a
 * caller can judge how much text a variation copies.
 *
 * NOTE: "normal" and "no other finding" refer to FINDINGS only. A sentence about
 * anything else (a device, a hernia, a lucency) counts as normal and can be drawn.
 */
import { Random } from '../util/random';
import { Finding, FindingLabels, FINDINGS, isNormalReport, labelSentence, labelFindings, splitSentences } from './finding-labeller';

/** Structures a sentence describes, in the order a report usually covers them. */
export const SENTENCE_TOPICS = ['heart', 'mediastinum', 'lungs', 'pleura', 'bones', 'other', 'summary'] as const;
export type SentenceTopic = (typeof SENTENCE_TOPICS)[number];

/** The structure each finding belongs to. */
export const FINDING_TOPICS: Readonly<Record<Finding, SentenceTopic>> = {
  pneumonia: 'lungs',
  consolidation: 'lungs',
  pneumothorax: 'pleura',
  'pleural effusion': 'pleura',
  cardiomegaly: 'heart',
  atelectasis: 'lungs',
  edema: 'lungs',
  nodule: 'lungs',
  opacity: 'lungs',
  fracture: 'bones',
};

/**
 * Findings that a report stating the key finding also implies, so a sentence that
 * denies or hedges one of them contradicts it ("pneumonia" with "no opacity").
 */
const IMPLIED_FINDINGS: Readonly<Record<Finding, readonly Finding[]>> = {
  pneumonia: ['consolidation', 'opacity'],
  consolidation: ['opacity'],
  pneumothorax: [],
  'pleural effusion': [],
  cardiomegaly: [],
  atelectasis: ['opacity'],
  edema: [],
  nodule: ['opacity'],
  opacity: [],
  fracture: [],
};

// Words that show which structure a sentence describes when it names no finding.
const TOPIC_KEYWORDS: readonly [SentenceTopic, RegExp][] = [
  ['summary', /\b(?:acute|cardiopulmonary|normal (?:chest|study|exam|examination|radiograph)|unremarkable (?:chest|study|exam|examination))\b/i],
  ['heart', /\b(?:heart|cardiac|cardiomediastinal)\b/i],
  ['mediastinum', /\b(?:mediastinum|mediastinal|hilar|hila|hilum|aorta|aortic|trachea)\b/i],
  ['lungs', /\b(?:lungs?|pulmonary|airspace|air space|parenchyma|parenchymal|lobes?|vascularity|vasculature)\b/i],
  ['pleura', /\b(?:pleura|pleural|costophrenic|hemidiaphragms?|diaphragm)\b/i],
  ['bones', /\b(?:bones?|bony|osseous|ribs?|spine|spinal|vertebral|vertebrae|clavicles?|skeletal|degenerative)\b/i],
];

/** One distinct sentence of the bank. */
export interface BankSentence {
  text: string;
  /** Id of the first report the sentence was found in. */
  reportId: string;
  labels: FindingLabels;
  /** Structures named by keyword (not by a finding term). */
  keywordTopics: SentenceTopic[];
  /** Structure used to order the sentence in a variation. */
  topic: SentenceTopic;
  /** Position in its report, 0 for the first sentence and 1 for the last. */
  position: number;
}

/** A bank report, kept to compare variations with. */
export interface BankReport {
  id: string;
  /** Lower-cased words without punctuation. */
  words: string[];
}

/** Distinct labelled sentences of a set of reports, and the reports' words. */
export interface SentenceBank {
  sentences: BankSentence[];
  reports: BankReport[];
}

export interface ReportVariation {
  text: string;
  labels: FindingLabels;
  /** Longest run of consecutive words that the text shares with one bank report. */
  longestOverlapWords: number;
  /** Id of the bank report with that run; null when no word is shared. */
  longestOverlapSource: string | null;
}

export interface ReportVariationOptions {
  /** Number of variations, at least 1. */
  n: number;
  /** Seed for `Random`; the same seed and bank give the same texts. */
  seed: number;
  bank: SentenceBank;
  /** Maximum sentences per variation, at least 1. Default 5. */
  maxSentences?: number;
}

/** Attempts allowed per requested variation before generateReportVariation gives up. */
const ATTEMPTS_PER_VARIATION = 200;

/**
 * Splits each report into sentences and labels each sentence with labelSentence.
 * Sentences that repeat (same words after case and white-space normalisation) are
 * kept once, so common phrasings are not drawn more often. Throws for a repeated or
 * empty id, or a text that is not a string.
 */
export function buildSentenceBank(reports: readonly { id: string; text: string }[]): SentenceBank {
  if (!Array.isArray(reports)) throw new Error(`buildSentenceBank: \`reports\` must be an array of {id, text}, got ${typeof reports}`);
  const seenIds = new Set<string>();
  const seenSentences = new Set<string>();
  const bank: SentenceBank = { sentences: [], reports: [] };
  for (const [index, report] of reports.entries()) {
    if (typeof report?.id !== 'string' || report.id === '') {
      throw new Error(`buildSentenceBank: report ${index} needs a non-empty string id, got ${JSON.stringify(report?.id)}`);
    }
    if (typeof report.text !== 'string') throw new Error(`buildSentenceBank: report '${report.id}' has no text string, got ${typeof report.text}`);
    if (seenIds.has(report.id)) throw new Error(`buildSentenceBank: report id '${report.id}' appears twice; ids must be unique`);
    seenIds.add(report.id);
    bank.reports.push({ id: report.id, words: toWords(report.text) });

    const sentences = splitSentences(report.text);
    sentences.forEach((text, i) => {
      const key = normalise(text);
      if (seenSentences.has(key)) return;
      seenSentences.add(key);
      const labels = labelSentence(text);
      const keywordTopics = TOPIC_KEYWORDS.filter(([, pattern]) => pattern.test(text)).map(([topic]) => topic);
      bank.sentences.push({
        text,
        reportId: report.id,
        labels,
        keywordTopics,
        topic: sentenceTopic(labels, keywordTopics),
        position: sentences.length > 1 ? i / (sentences.length - 1) : 0,
      });
    });
  }
  return bank;
}

/**
 * Builds `n` distinct report variations for `finding` ('normal' for a report with no
 * finding) by recombining bank sentences.
 *
 * 1. For a finding, draw one sentence positive for it and for no other finding.
 * 2. Draw other sentences, each on a different structure, whose findings are all
 *    negative or absent. For a finding, skip sentences on its own structure that
 *    name no finding ("the lungs are clear"), sentences that deny or hedge it or a
 *    finding it implies, and summary lines ("no acute disease").
 * 3. Order the sentences by topic (SENTENCE_TOPICS), then by position in their reports.
 * 4. Keep the text when labelFindings finds the finding positive and nothing else
 *    positive. For 'normal', nothing may be positive or uncertain. The text must also
 *    differ from every bank report and every earlier variation. Otherwise draw again.
 *
 * Throws for an unknown finding, `n` or `maxSentences` below 1, a non-integer seed, a
 * bank without a usable sentence for the finding, or when `n` distinct variations are
 * not found within 200 attempts per variation.
 */
export function generateReportVariation(finding: Finding | 'normal', options: ReportVariationOptions): ReportVariation[] {
  const { n, seed, bank } = options;
  const maxSentences = options.maxSentences ?? 5;
  const validFindings = ['normal', ...FINDINGS];
  if (!validFindings.includes(finding)) {
    throw new Error(`generateReportVariation: unknown finding '${finding}'; expected one of ${validFindings.join(', ')}`);
  }
  if (!Number.isInteger(n) || n < 1) throw new Error(`generateReportVariation: \`n\` must be an integer of at least 1, got ${n}`);
  if (!Number.isSafeInteger(seed)) throw new Error(`generateReportVariation: \`seed\` must be an integer, got ${seed}`);
  if (!Number.isInteger(maxSentences) || maxSentences < 1) {
    throw new Error(`generateReportVariation: \`maxSentences\` must be an integer of at least 1, got ${maxSentences}`);
  }
  if (!bank || !Array.isArray(bank.sentences) || !Array.isArray(bank.reports)) {
    throw new Error('generateReportVariation: `bank` must be a SentenceBank; build one with buildSentenceBank');
  }

  const keySentences = finding === 'normal' ? [] : bank.sentences.filter((sentence) => statesOnly(sentence, finding));
  const fillers = bank.sentences.filter((sentence) => isFiller(sentence, finding));
  if (finding !== 'normal' && keySentences.length === 0) {
    throw new Error(
      `generateReportVariation: the bank has no sentence positive for '${finding}' and for no other finding; ` +
        'choose another finding or build the bank from a larger corpus',
    );
  }
  if (finding === 'normal' && fillers.length === 0) {
    throw new Error('generateReportVariation: the bank has no sentence without a positive or uncertain finding; build the bank from a larger corpus');
  }

  const bankTexts = new Set(bank.reports.map((report) => report.words.join(' ')));
  const random = new Random(seed);
  const variations: ReportVariation[] = [];
  const seenTexts = new Set<string>();
  const maxAttempts = ATTEMPTS_PER_VARIATION * n;
  for (let attempt = 0; attempt < maxAttempts && variations.length < n; attempt++) {
    const chosen = drawSentences(finding, keySentences, fillers, maxSentences, random);
    const text = chosen.map((sentence) => sentence.text).join(' ');
    const key = toWords(text).join(' ');
    if (seenTexts.has(key) || bankTexts.has(key)) continue;

    const labels = labelFindings(text);
    if (!matchesFinding(labels, finding)) continue;
    seenTexts.add(key);
    variations.push({ text, labels, ...longestOverlap(toWords(text), bank.reports) });
  }
  if (variations.length < n) {
    throw new Error(
      `generateReportVariation: found ${variations.length} distinct variations for '${finding}' of the ${n} requested ` +
        `after ${maxAttempts} attempts; request fewer, raise maxSentences, or build the bank from a larger corpus`,
    );
  }
  return variations;
}

/**
 * Returns the longest run of consecutive words that `words` shares with one report,
 * and that report's id (the first one on a tie). Dynamic programming over word pairs,
 * O(|words| · total report words).
 */
export function longestOverlap(words: readonly string[], reports: readonly BankReport[]): { longestOverlapWords: number; longestOverlapSource: string | null } {
  let best = 0;
  let source: string | null = null;
  for (const report of reports) {
    // runs[j]: length of the shared run ending at words[i] and report.words[j].
    let previous = new Int32Array(report.words.length + 1);
    let current = new Int32Array(report.words.length + 1);
    for (let i = 0; i < words.length; i++) {
      for (let j = 0; j < report.words.length; j++) {
        current[j + 1] = words[i] === report.words[j] ? previous[j] + 1 : 0;
        if (current[j + 1] > best) {
          best = current[j + 1];
          source = report.id;
        }
      }
      [previous, current] = [current, previous];
    }
  }
  return { longestOverlapWords: best, longestOverlapSource: source };
}

/** Splits text into lower-cased words, dropping punctuation. */
function toWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
}

function normalise(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Topic of a sentence: a summary line, else the structure of its first finding, else its first keyword. */
function sentenceTopic(labels: FindingLabels, keywordTopics: SentenceTopic[]): SentenceTopic {
  if (keywordTopics.includes('summary')) return 'summary';
  const mentioned = FINDINGS.find((finding) => labels[finding] !== 'absent');
  if (mentioned !== undefined) return FINDING_TOPICS[mentioned];
  return keywordTopics[0] ?? 'other';
}

/** True when the sentence is positive for `finding`, and no other finding is positive or uncertain. */
function statesOnly(sentence: BankSentence, finding: Finding): boolean {
  if (sentence.labels[finding] !== 'positive') return false;
  const others = FINDINGS.filter((other) => other !== finding);
  if (others.some((other) => sentence.labels[other] === 'positive' || sentence.labels[other] === 'uncertain')) return false;
  return IMPLIED_FINDINGS[finding].every((implied) => sentence.labels[implied] === 'absent');
}

/** True when the sentence may stand beside a sentence stating `finding` (step 2 of generateReportVariation). */
function isFiller(sentence: BankSentence, finding: Finding | 'normal'): boolean {
  if (!isNormalReport(sentence.labels)) return false;
  if (finding === 'normal') return true;
  if (sentence.topic === 'summary') return false;
  if (sentence.labels[finding] !== 'absent') return false;
  if (IMPLIED_FINDINGS[finding].some((implied) => sentence.labels[implied] !== 'absent')) return false;

  // A sentence on the finding's structure that names no finding of that structure
  // describes it as normal ("the heart size is normal" beside cardiomegaly).
  const topic = FINDING_TOPICS[finding];
  const namesFindingThere = FINDINGS.some((other) => FINDING_TOPICS[other] === topic && sentence.labels[other] !== 'absent');
  return !(sentence.keywordTopics.includes(topic) && !namesFindingThere);
}

/** Draws the sentences of one variation (steps 1-3 of generateReportVariation). */
function drawSentences(finding: Finding | 'normal', keySentences: BankSentence[], fillers: BankSentence[], maxSentences: number, random: Random): BankSentence[] {
  const chosen: BankSentence[] = [];
  if (finding !== 'normal') chosen.push(keySentences[random.int(keySentences.length)]);

  const minimum = Math.min(2, maxSentences);
  const target = minimum + random.int(maxSentences - minimum + 1);
  const usedTopics = new Set(chosen.map((sentence) => sentence.topic));
  for (const index of random.permutation(fillers.length)) {
    if (chosen.length >= target) break;
    const filler = fillers[index];
    if (usedTopics.has(filler.topic)) continue;
    usedTopics.add(filler.topic);
    chosen.push(filler);
  }

  const rank = (sentence: BankSentence) => SENTENCE_TOPICS.indexOf(sentence.topic);
  return chosen.sort((a, b) => rank(a) - rank(b) || a.position - b.position);
}

function matchesFinding(labels: FindingLabels, finding: Finding | 'normal'): boolean {
  if (finding === 'normal') return isNormalReport(labels);
  return labels[finding] === 'positive' && FINDINGS.every((other) => other === finding || labels[other] !== 'positive');
}
