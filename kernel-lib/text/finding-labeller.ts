/**
 * Rule-based labeller of findings in chest radiograph reports, in the spirit of NegEx
 * (Chapman et al. 2001, "A simple algorithm for identifying negated findings and
 * diseases in discharge summaries"). The term lists and cue rules here are this
 * project's own.
 *
 * For each sentence:
 * 1. Find the finding mentions (FINDING_TERMS) and the cues (negation, uncertainty,
 *    and pseudo-negations such as "no change in", which look like negation but keep
 *    the finding present). Where matches overlap, the longest wins, so "cannot
 *    exclude" is one uncertainty cue and not the negation "not".
 * 2. Cut the sentence into clauses at scope terminators ("but", "however",
 *    "although", "except", ";", ", there", "and the", …). No cue reaches across one.
 * 3. Give each mention a status. A negation inside the mention ("the heart is not
 *    enlarged") makes it negative, and a hedge inside it ("is borderline enlarged")
 *    uncertain. Otherwise the nearest cue after it that looks back
 *    ("… has resolved", "… not excluded") decides, and failing that the nearest cue
 *    before it ("no", "possible", "no change in"). A mention with no cue is positive.
 * 4. Combine mentions and sentences per finding: positive beats uncertain, uncertain
 *    beats negative, and a finding never mentioned is absent.
 *
 * Choices made here:
 * - "airspace disease" counts as consolidation and not pneumonia, because it names the
 *   radiographic pattern (air spaces filled) and pneumonia is a clinical diagnosis
 *   that the report has to state. "infiltrate" counts as opacity.
 * - "effusion" alone counts as pleural effusion unless "pericardial" or "joint" comes
 *   right before it. Blunting of a costophrenic angle counts as pleural effusion.
 * - "borderline", "likely" and "probable" are uncertainty cues, so "borderline
 *   cardiomegaly" is uncertain. "unlikely" and "ruled out" are negations.
 * - A cue before a mention reaches across commas (for lists such as "no
 *   consolidation, effusion, or pneumothorax") up to 12 words. A cue after a mention
 *   reaches back 8 words and stops at a comma.
 *
 * NOTE: the rules are tuned for short English chest X-ray reports. They do not read
 * temporal context ("history of pneumonia" is positive) or which side a finding is on.
 */

/** Findings the labeller reports, in a fixed order. */
export const FINDINGS = [
  'pneumonia',
  'consolidation',
  'pneumothorax',
  'pleural effusion',
  'cardiomegaly',
  'atelectasis',
  'edema',
  'nodule',
  'opacity',
  'fracture',
] as const;
export type Finding = (typeof FINDINGS)[number];

/** Status of a finding in a text; 'absent' when the text never mentions it. */
export const FINDING_STATUSES = ['positive', 'negative', 'uncertain', 'absent'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];

export type FindingLabels = Record<Finding, FindingStatus>;

const ENLARGED = String.raw`(?:(?:is|are|appears|appear|remains|remain|has become|seems)\s+)?(?:(?:not|no longer|again|still|stably|mildly|moderately|markedly|severely|slightly|minimally|borderline|somewhat|now|at least|probably|possibly|clearly|definitely|significantly|substantially|considerably|massively)\s+)*enlarged`;

/**
 * Regular-expression sources (matched case-insensitively on whole words) of the terms
 * and lexical variants that mention each finding.
 */
export const FINDING_TERMS: Readonly<Record<Finding, readonly string[]>> = {
  pneumonia: ['pneumonias?', 'bronchopneumonia', 'pneumonitis', 'infectious (?:process|infiltrates?)', '(?<!granulomatous\\s)(?<!tuberculosis\\s)(?<!tuberculous\\s)infections?'],
  consolidation: ['consolidations?', 'consolidative', 'consolidated', 'air ?space (?:disease|consolidation)', 'alveolar (?:disease|filling)'],
  pneumothorax: ['pneumothorax', 'pneumothoraces', 'pneumothoraxes', 'hydropneumothorax', 'hemopneumothorax'],
  'pleural effusion': [
    '(?<!pericardial\\s)(?<!joint\\s)effusions?',
    'pleural fluid',
    'hydrothorax',
    'hydropneumothorax',
    'blunt(?:ing|ed) of (?:the )?(?:\\w+ )?(?:costophrenic|cp) (?:angles?|sulcus|sulci)',
    '(?:costophrenic|cp) (?:angle |sulcus )?blunting',
    'blunted (?:\\w+ )?(?:costophrenic|cp) (?:angles?|sulcus|sulci)',
  ],
  cardiomegaly: [
    'cardiomegaly',
    'cardiac (?:enlargement|megaly)',
    'enlarged (?:heart|cardiac (?:silhouette|shadow|size)|cardiomediastinal silhouette)',
    'enlargement of the (?:heart|cardiac silhouette|cardiac shadow)',
    `(?:heart size|cardiac size|heart|cardiac silhouette|cardiac shadow|cardiomediastinal silhouette)\\s+${ENLARGED}`,
  ],
  atelectasis: ['atelectasis', 'atelectases', 'atelectatic', '(?:lobar|lobe|segmental|lung) collapse', 'collapse of the (?:\\w+ )?(?:lobe|lung)'],
  edema: ['edema', 'oedema', '(?:pulmonary |vascular |interstitial )congestion', 'congestive (?:changes|failure)', 'kerley b lines'],
  nodule: ['nodules?', 'micronodules?'],
  opacity: ['opacity', 'opacities', 'opacification', 'opacified', 'infiltrates?', 'infiltration'],
  fracture: ['fractures?', 'fractured', 'fx'],
};

type CueKind = 'negation' | 'uncertainty' | 'pseudo';
type CueDirection = 'before' | 'after' | 'both';

/** A cue pattern: what it does and which side of a mention it must sit on. */
interface CueRule {
  kind: CueKind;
  /** 'before': the cue precedes the mention it scopes; 'after': it follows; 'both': either. */
  direction: CueDirection;
  source: string;
}

const AUXILIARY = '(?:(?:is|are|was|were|has been|have been|has|have|has now|have now)\\s+)?';

const CUE_RULES: readonly CueRule[] = [
  // Pseudo-negations: the finding is still there, only its change is denied.
  { kind: 'pseudo', direction: 'before', source: 'no (?:(?:significant|appreciable|definite|substantial|major|interval|further|real|marked|apparent|overall|visible|notable|radiographic) )*(?:change|changes|increase|decrease|progression|worsening|improvement)' },
  { kind: 'pseudo', direction: 'before', source: 'not (?:significantly |substantially )?(?:changed|increased|decreased|worsened|improved)' },
  { kind: 'pseudo', direction: 'before', source: 'without (?:(?:significant|interval|appreciable|definite) )*(?:change|changes|progression)' },
  { kind: 'pseudo', direction: 'before', source: 'not only' },
  { kind: 'pseudo', direction: 'before', source: 'gram[- ]negative' },

  // Uncertainty, including the double negations "cannot exclude" and "not excluded".
  { kind: 'uncertainty', direction: 'before', source: '(?:cannot|can not|could not|can\'t|unable to) (?:entirely |completely |totally |definitely )?(?:exclude|rule out)' },
  { kind: 'uncertainty', direction: 'after', source: '(?:cannot|can not|could not|can\'t) (?:be )?(?:entirely |completely |totally |definitely )?(?:excluded|ruled out)' },
  { kind: 'uncertainty', direction: 'after', source: `${AUXILIARY}not (?:entirely |completely |totally |definitely )?(?:excluded|ruled out)` },
  { kind: 'uncertainty', direction: 'before', source: '(?:may|might|could|can) (?:also |possibly |potentially )?(?:represent|reflect|be|indicate|relate to|correspond to|suggest|have|include|signify|obscure|hide)' },
  { kind: 'uncertainty', direction: 'before', source: 'possible|possibly|probable|probably|likely|presumed|presumably|perhaps|questionable|question of|questioned|suspicious (?:for|of)|suspect|suspected|suspicion (?:for|of)|concerning for|concern for|worrisome for|suggestive of|(?<!to )suggests?|(?<!to )suggesting|equivocal|indeterminate|borderline|rule out|r/o|or possibly|differential (?:diagnosis )?(?:includes?|considerations? include)' },
  { kind: 'uncertainty', direction: 'both', source: 'versus|vs\\.?' },
  { kind: 'uncertainty', direction: 'after', source: '(?:is |are |remains |remain )?(?:in|within) the differential(?: diagnosis)?' },

  // Negation.
  { kind: 'negation', direction: 'before', source: 'no|not|without|negative for|free of|clear of|absence of|absent|resolution of|no longer|none|nor|neither|rather than|instead of|denies' },
  { kind: 'negation', direction: 'after', source: `${AUXILIARY}(?:not|no longer) (?:(?:clearly|definitely|well|currently|again)[- ])?(?:seen|identified|visualized|visualised|appreciated|demonstrated|present|evident|noted|detected|visible|apparent|shown|demonstrable|found)` },
  { kind: 'negation', direction: 'after', source: `${AUXILIARY}(?:absent|cleared|gone|disappeared|ruled out|excluded)` },
  { kind: 'negation', direction: 'both', source: `${AUXILIARY}(?:resolved|unlikely)` },
];

// Scope terminators. The look-aheads keep "there", "the", … as part of the next clause.
const TERMINATOR_SOURCE = [
  '\\b(?:but|however|although|though|except|whereas|yet|nevertheless|aside from|apart from|other than|which)\\b',
  '[;:]',
  ',\\s*(?:and\\s+)?(?=(?:there|the|this|these|it|with)\\b)',
  '\\band\\s+(?=(?:there|the)\\b)',
].join('|');

const MAX_WORDS_BEFORE = 12;
const MAX_WORDS_AFTER = 8;

interface Span {
  start: number;
  end: number;
}

interface Mention extends Span {
  finding: Finding;
  /** Status set by a cue inside the mention ("is not enlarged", "is possibly enlarged"), or null. */
  insideStatus: FindingStatus | null;
}

interface Cue extends Span {
  kind: CueKind;
  direction: CueDirection;
}

const MENTION_PATTERNS: readonly { finding: Finding; pattern: RegExp }[] = FINDINGS.map((finding) => ({
  finding,
  pattern: new RegExp(`\\b(?:${FINDING_TERMS[finding].join('|')})\\b`, 'gi'),
}));

const CUE_PATTERNS = CUE_RULES.map((rule) => ({ ...rule, pattern: new RegExp(`(?<![\\w'])(?:${rule.source})(?![\\w'])`, 'gi') }));

/** Returns a labels record with every finding set to `status`. */
export function emptyFindingLabels(status: FindingStatus = 'absent'): FindingLabels {
  return Object.fromEntries(FINDINGS.map((finding) => [finding, status])) as FindingLabels;
}

/**
 * Splits report text into sentences at `.`, `!` or `?` followed by white space, and at
 * line breaks. Decimal numbers and the abbreviations "vs.", "e.g.", "i.e." and
 * "approx." do not end a sentence. List numbers such as "2." are dropped, also when
 * they follow a sentence that has no full stop.
 */
export function splitSentences(text: string): string[] {
  if (typeof text !== 'string') throw new Error(`splitSentences: \`text\` must be a string, got ${typeof text}`);
  return text
    .split(/(?<=[.!?])(?<!\bvs\.)(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bapprox\.)\s+|\s*[\r\n]+\s*/i)
    .map((sentence) => sentence.replace(/\s+/g, ' ').trim())
    // A list number run into the previous sentence ("… intact 2. Next …") is dropped.
    .map((sentence) => sentence.replace(/([a-z])\s+\d{1,2}[.)]$/i, '$1'))
    .filter((sentence) => /[a-z]/i.test(sentence) && !/^\d+[.)]?$/.test(sentence));
}

/**
 * Labels the findings of one sentence. Mentions are combined as in labelFindings.
 */
export function labelSentence(sentence: string): FindingLabels {
  const labels = emptyFindingLabels();
  const text = sentence.toLowerCase();
  for (const clause of splitClauses(text)) {
    const mentions = findMentions(clause);
    if (mentions.length === 0) continue;
    const cues = findCues(clause).filter((cue) => !mentions.some((mention) => overlaps(cue, mention)));
    for (const mention of mentions) {
      labels[mention.finding] = strongerStatus(labels[mention.finding], mentionStatus(clause, mention, cues));
    }
  }
  return labels;
}

/**
 * Labels the findings of a report, sentence by sentence. A finding is positive when
 * any sentence states it, else uncertain when any sentence hedges it, else negative
 * when a sentence denies it, and absent when no sentence mentions it.
 */
export function labelFindings(text: string): FindingLabels {
  if (typeof text !== 'string') throw new Error(`labelFindings: \`text\` must be a string, got ${typeof text}`);
  const labels = emptyFindingLabels();
  for (const sentence of splitSentences(text)) {
    const sentenceLabels = labelSentence(sentence);
    for (const finding of FINDINGS) labels[finding] = strongerStatus(labels[finding], sentenceLabels[finding]);
  }
  return labels;
}

/** Returns true when no finding is positive or uncertain. */
export function isNormalReport(labels: FindingLabels): boolean {
  return FINDINGS.every((finding) => labels[finding] === 'negative' || labels[finding] === 'absent');
}

/** Returns whichever status wins when two mentions of one finding disagree. */
export function strongerStatus(a: FindingStatus, b: FindingStatus): FindingStatus {
  const rank: Record<FindingStatus, number> = { absent: 0, negative: 1, uncertain: 2, positive: 3 };
  return rank[a] >= rank[b] ? a : b;
}

/** Cuts a lower-cased sentence into clauses at the scope terminators. */
function splitClauses(text: string): string[] {
  return text.split(new RegExp(TERMINATOR_SOURCE, 'g')).filter((clause) => clause !== undefined && clause.trim() !== '');
}

function findMentions(clause: string): Mention[] {
  const mentions: Mention[] = [];
  for (const { finding, pattern } of MENTION_PATTERNS) {
    for (const match of clause.matchAll(pattern)) {
      mentions.push({
        finding,
        start: match.index!,
        end: match.index! + match[0].length,
        insideStatus: insideStatus(match[0]),
      });
    }
  }
  return mentions;
}

/** Finds every cue, keeping the longest where two overlap (the earlier rule on a tie). */
function findCues(clause: string): Cue[] {
  const candidates: Cue[] = [];
  for (const { kind, direction, pattern } of CUE_PATTERNS) {
    for (const match of clause.matchAll(pattern)) {
      candidates.push({ kind, direction, start: match.index!, end: match.index! + match[0].length });
    }
  }
  // A stable sort keeps rule order among cues of equal length.
  candidates.sort((a, b) => b.end - b.start - (a.end - a.start));
  const chosen: Cue[] = [];
  for (const candidate of candidates) {
    if (!chosen.some((cue) => overlaps(cue, candidate))) chosen.push(candidate);
  }
  return chosen.sort((a, b) => a.start - b.start);
}

/** Decides the status of one mention from the cues of its clause (step 3 of the file comment). */
function mentionStatus(clause: string, mention: Mention, cues: Cue[]): FindingStatus {
  if (mention.insideStatus !== null) return mention.insideStatus;

  const following = cues.filter((cue) => cue.direction !== 'before' && cue.start >= mention.end);
  for (const cue of following) {
    const between = clause.slice(mention.end, cue.start);
    if (between.includes(',') || wordCount(between) > MAX_WORDS_AFTER) break;
    return cueStatus(cue);
  }

  const preceding = cues.filter((cue) => cue.direction !== 'after' && cue.end <= mention.start);
  const nearest = preceding[preceding.length - 1];
  if (nearest !== undefined) {
    const between = clause.slice(nearest.end, mention.start);
    // Only plain 'before' cues reach across a comma, into a list.
    const crossesComma = between.includes(',') && nearest.direction !== 'before';
    if (!crossesComma && wordCount(between) <= MAX_WORDS_BEFORE) return cueStatus(nearest);
  }
  return 'positive';
}

function insideStatus(mentionText: string): FindingStatus | null {
  if (/\b(?:not|no longer)\b/.test(mentionText)) return 'negative';
  if (/\b(?:possibly|probably|borderline)\b/.test(mentionText)) return 'uncertain';
  return null;
}

function cueStatus(cue: Cue): FindingStatus {
  if (cue.kind === 'negation') return 'negative';
  if (cue.kind === 'uncertainty') return 'uncertain';
  return 'positive';
}

function wordCount(text: string): number {
  return text.split(/\s+/).filter((word) => /\w/.test(word)).length;
}

function overlaps(a: Span, b: Span): boolean {
  return a.start < b.end && b.start < a.end;
}
