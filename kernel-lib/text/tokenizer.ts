import { log } from '../util/log';

/**
 * Byte-pair-encoding tokenizer (Sennrich et al. 2016, "Neural Machine Translation of Rare
 * Words with Subword Units") for short clinical texts.
 *
 * Normalisation: lower case; words are runs of letters and digits, and every other
 * non-space character is a token of its own. The redaction mark `XXXX` (any case) is one
 * whole token, `xxxx`, and never split. Each word ends with the end-of-word symbol `</w>`,
 * so merges learn whole-word tokens such as `bar</w>` and decoding restores the word breaks.
 *
 * Vocabulary ids: [PAD]=0, [UNK]=1, [CLS]=2, [SEP]=3, `xxxx`=4, `</w>`=5, then the trained
 * alphabet (characters seen in training, in code-point order), then one token per merge in
 * the order learnt. A character outside the alphabet becomes [UNK].
 */

export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'] as const;
export const PAD_ID = 0;
export const UNK_ID = 1;
export const CLS_ID = 2;
export const SEP_ID = 3;
/** Redaction mark of de-identified reports, kept as one token. */
export const REDACTION_TOKEN = 'xxxx';
export const END_OF_WORD = '</w>';
/** Ids of [PAD] … `</w>`: the tokens every vocabulary starts with. */
const FIXED_TOKENS: readonly string[] = [...SPECIAL_TOKENS, REDACTION_TOKEN, END_OF_WORD];

export interface TokenizerTrainingOptions {
  /** Total vocabulary size, fixed tokens and alphabet included. */
  vocabSize: number;
  /** A pair is merged only if it occurs at least this often in the corpus. Default 2. */
  minFrequency?: number;
}

export interface EncodedText {
  /** [maxLength]: [CLS], the tokens, [SEP], then [PAD]. */
  ids: Int32Array;
  /** Number of ids before the padding, [CLS] and [SEP] included. */
  length: number;
  /** True when tokens were dropped to fit maxLength. */
  truncated: boolean;
  /** Characters outside the trained alphabet, each encoded as [UNK]. */
  unknownCount: number;
}

export interface EncodedBatch {
  /** [count, maxLength], row-major. */
  ids: Int32Array;
  count: number;
  maxLength: number;
  /** Index of each text that was truncated. */
  truncated: number[];
  /** Unknown characters per text, [count]. */
  unknownCounts: Int32Array;
}

/** Serialised form written by `toJSON`. */
export interface TokenizerJson {
  format: 'medsynth-bpe-tokenizer';
  version: 1;
  /** Token strings by id. */
  vocab: string[];
  /** Merges in the order learnt, each as [left, right]. */
  merges: [string, string][];
}

const WORD_PATTERN = /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu;

/** Lower-cases `text` and splits it into words and single punctuation characters. */
export function preTokenize(text: string): string[] {
  return text.toLowerCase().match(WORD_PATTERN) ?? [];
}

/** Returns the symbols of one word before merges: its characters, then `</w>`. */
function wordSymbols(word: string): string[] {
  return [...Array.from(word), END_OF_WORD];
}

const pairKey = (left: string, right: string) => `${left}\u0000${right}`;

export class Tokenizer {
  readonly vocab: readonly string[];
  readonly merges: readonly [string, string][];
  private readonly idOf: Map<string, number>;
  private readonly mergeRank: Map<string, number>;
  private readonly wordCache = new Map<string, { ids: number[]; unknownCount: number }>();

  constructor(vocab: string[], merges: [string, string][]) {
    for (let i = 0; i < FIXED_TOKENS.length; i++) {
      if (vocab[i] !== FIXED_TOKENS[i]) {
        throw new Error(`Tokenizer: vocabulary entry ${i} must be '${FIXED_TOKENS[i]}', got '${vocab[i]}'; retrain the tokenizer`);
      }
    }
    this.vocab = vocab.slice();
    this.merges = merges.map(([l, r]) => [l, r] as [string, string]);
    this.idOf = new Map(vocab.map((token, id) => [token, id]));
    if (this.idOf.size !== vocab.length) throw new Error('Tokenizer: the vocabulary contains a token twice; retrain the tokenizer');
    this.mergeRank = new Map(merges.map(([l, r], rank) => [pairKey(l, r), rank]));
    for (const [l, r] of merges) {
      if (!this.idOf.has(l + r)) throw new Error(`Tokenizer: merge '${l}' + '${r}' has no vocabulary entry '${l + r}'`);
    }
  }

  get vocabSize(): number {
    return this.vocab.length;
  }

  /** Returns the token ids of one pre-tokenised word and its count of unknown characters. */
  private encodeWord(word: string): { ids: number[]; unknownCount: number } {
    const cached = this.wordCache.get(word);
    if (cached) return cached;
    let result: { ids: number[]; unknownCount: number };
    if (word === REDACTION_TOKEN) {
      result = { ids: [this.idOf.get(REDACTION_TOKEN) as number], unknownCount: 0 };
    } else {
      // Characters outside the alphabet become [UNK]; merges never involve them.
      let unknownCount = 0;
      const symbols = wordSymbols(word).map((symbol) => {
        if (this.idOf.has(symbol)) return symbol;
        unknownCount += 1;
        return SPECIAL_TOKENS[UNK_ID];
      });
      // Standard BPE: repeatedly apply the earliest-learnt merge present in the word.
      for (;;) {
        let bestRank = Infinity;
        let bestIndex = -1;
        for (let i = 0; i + 1 < symbols.length; i++) {
          const rank = this.mergeRank.get(pairKey(symbols[i], symbols[i + 1]));
          if (rank !== undefined && rank < bestRank) {
            bestRank = rank;
            bestIndex = i;
          }
        }
        if (bestIndex < 0) break;
        symbols.splice(bestIndex, 2, symbols[bestIndex] + symbols[bestIndex + 1]);
      }
      result = { ids: symbols.map((s) => this.idOf.get(s) as number), unknownCount };
    }
    this.wordCache.set(word, result);
    return result;
  }

  /** Returns the token ids of `text` without [CLS], [SEP] or padding. */
  tokenize(text: string): { ids: number[]; unknownCount: number } {
    const ids: number[] = [];
    let unknownCount = 0;
    for (const word of preTokenize(text)) {
      const encoded = this.encodeWord(word);
      ids.push(...encoded.ids);
      unknownCount += encoded.unknownCount;
    }
    return { ids, unknownCount };
  }

  /**
   * Encodes `text` as [CLS] tokens [SEP] followed by [PAD] up to `maxLength`. Tokens beyond
   * maxLength − 2 are dropped, and the result still ends with [SEP].
   */
  encode(text: string, options: { maxLength: number }): EncodedText {
    const { maxLength } = options;
    if (!Number.isInteger(maxLength) || maxLength < 2) {
      throw new Error(`Tokenizer.encode: maxLength must be an integer >= 2 (room for [CLS] and [SEP]), got ${maxLength}`);
    }
    const { ids: tokens, unknownCount } = this.tokenize(text);
    const keptCount = Math.min(tokens.length, maxLength - 2);
    const ids = new Int32Array(maxLength); // zeros are [PAD]
    ids[0] = CLS_ID;
    for (let i = 0; i < keptCount; i++) ids[i + 1] = tokens[i];
    ids[keptCount + 1] = SEP_ID;
    return { ids, length: keptCount + 2, truncated: keptCount < tokens.length, unknownCount };
  }

  /** Encodes every text into one [count, maxLength] array. */
  encodeBatch(texts: string[], maxLength: number): EncodedBatch {
    const ids = new Int32Array(texts.length * maxLength);
    const truncated: number[] = [];
    const unknownCounts = new Int32Array(texts.length);
    texts.forEach((text, i) => {
      const encoded = this.encode(text, { maxLength });
      ids.set(encoded.ids, i * maxLength);
      if (encoded.truncated) truncated.push(i);
      unknownCounts[i] = encoded.unknownCount;
    });
    return { ids, count: texts.length, maxLength, truncated, unknownCounts };
  }

  /**
   * Turns ids back into normalised text: words separated by single spaces, special tokens
   * other than [UNK] dropped. For text without unknown characters,
   * `decode(encode(t).ids)` equals `preTokenize(t).join(' ')`.
   */
  decode(ids: ArrayLike<number>): string {
    let text = '';
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === PAD_ID || id === CLS_ID || id === SEP_ID) continue;
      const token = this.vocab[id];
      if (token === undefined) throw new Error(`Tokenizer.decode: id ${id} at position ${i} is outside the vocabulary [0, ${this.vocab.length})`);
      text += token === REDACTION_TOKEN ? `${REDACTION_TOKEN} ` : token.replace(END_OF_WORD, ' ');
    }
    return text.trimEnd();
  }

  /**
   * Returns the vocabulary and merges as plain JSON. A vocabulary learnt from licensed reports
   * (such as CC BY-NC-ND ones) is derived from them: write it to a run directory, not the repository.
   */
  toJSON(): TokenizerJson {
    return { format: 'medsynth-bpe-tokenizer', version: 1, vocab: this.vocab.slice(), merges: this.merges.map(([l, r]) => [l, r]) };
  }

  static fromJSON(json: TokenizerJson): Tokenizer {
    if (json?.format !== 'medsynth-bpe-tokenizer' || json.version !== 1) {
      throw new Error(
        `Tokenizer.fromJSON: expected format 'medsynth-bpe-tokenizer' version 1, got ${JSON.stringify(json?.format)} ` +
          `version ${JSON.stringify(json?.version)}; save the tokenizer with Tokenizer.toJSON`,
      );
    }
    return new Tokenizer(json.vocab, json.merges);
  }
}

/**
 * Learns a BPE vocabulary from `texts`.
 *
 * 1. Pre-tokenise every text and count the distinct words (the redaction mark is skipped,
 *    because it is a fixed token).
 * 2. The alphabet is every character of those words, sorted by code point.
 * 3. Until the vocabulary reaches `vocabSize`: count adjacent symbol pairs over all words,
 *    weighted by word frequency, and merge the most frequent pair everywhere. Ties go to the
 *    pair whose concatenated string sorts first, then to the lower left symbol, so training is
 *    deterministic. Training stops early when no pair reaches `minFrequency`.
 */
export function trainTokenizer(texts: string[], options: TokenizerTrainingOptions): Tokenizer {
  const owner = 'trainTokenizer';
  const { vocabSize, minFrequency = 2 } = options;
  if (!Array.isArray(texts) || texts.length === 0) throw new Error(`${owner}: texts must be a non-empty list of strings, got ${texts}`);
  if (!Number.isInteger(minFrequency) || minFrequency < 1) throw new Error(`${owner}: minFrequency must be an integer >= 1, got ${minFrequency}`);

  // 1. Distinct words with their counts, in order of first appearance.
  const wordCounts = new Map<string, number>();
  texts.forEach((text, i) => {
    if (typeof text !== 'string') throw new Error(`${owner}: text ${i} is not a string (got ${typeof text})`);
    for (const word of preTokenize(text)) {
      if (word !== REDACTION_TOKEN) wordCounts.set(word, (wordCounts.get(word) ?? 0) + 1);
    }
  });

  // 2. Alphabet.
  const alphabetSet = new Set<string>();
  for (const word of wordCounts.keys()) for (const char of Array.from(word)) alphabetSet.add(char);
  const alphabet = Array.from(alphabetSet).sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  const vocab = [...FIXED_TOKENS, ...alphabet];
  if (!Number.isInteger(vocabSize) || vocabSize < vocab.length) {
    throw new Error(
      `${owner}: vocabSize must be an integer >= ${vocab.length} (${FIXED_TOKENS.length} fixed tokens and ` +
        `${alphabet.length} characters in the corpus), got ${vocabSize}`,
    );
  }

  // 3. Merges.
  const words = Array.from(wordCounts, ([word, count]) => ({ symbols: wordSymbols(word), count }));
  const known = new Set(vocab);
  const merges: [string, string][] = [];
  while (vocab.length < vocabSize) {
    const pairCounts = new Map<string, { left: string; right: string; count: number }>();
    for (const { symbols, count } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = pairKey(symbols[i], symbols[i + 1]);
        const entry = pairCounts.get(key);
        if (entry) entry.count += count;
        else pairCounts.set(key, { left: symbols[i], right: symbols[i + 1], count });
      }
    }
    let best: { left: string; right: string; count: number } | null = null;
    for (const entry of pairCounts.values()) {
      if (entry.count < minFrequency || known.has(entry.left + entry.right)) continue;
      if (best === null || entry.count > best.count || (entry.count === best.count && comparePairs(entry, best) < 0)) best = entry;
    }
    if (best === null) break;

    const merged = best.left + best.right;
    merges.push([best.left, best.right]);
    vocab.push(merged);
    known.add(merged);
    for (const word of words) word.symbols = applyMerge(word.symbols, best.left, best.right);
  }
  if (vocab.length < vocabSize) {
    log.info(`${owner}: stopped at ${vocab.length} tokens (of ${vocabSize}) because no pair occurs ${minFrequency} or more times`);
  }
  return new Tokenizer(vocab, merges);
}

/** Orders tied pairs: by the merged string, then by the left symbol (plain code-unit order). */
function comparePairs(a: { left: string; right: string }, b: { left: string; right: string }): number {
  const merged = compareStrings(a.left + a.right, b.left + b.right);
  return merged !== 0 ? merged : compareStrings(a.left, b.left);
}

function compareStrings(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

function applyMerge(symbols: string[], left: string, right: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (i + 1 < symbols.length && symbols[i] === left && symbols[i + 1] === right) {
      out.push(left + right);
      i += 1;
    } else {
      out.push(symbols[i]);
    }
  }
  return out;
}

/**
 * Encodes texts for a model, the entry that callers use: throws for an empty or
 * whitespace-only text (naming its index) and logs one warning per call when texts were
 * truncated or contain characters outside the tokenizer's alphabet.
 */
export function tokenizeTexts(tokenizer: Tokenizer, texts: string[], maxLength: number, caller = 'tokenizeTexts'): EncodedBatch {
  if (!Array.isArray(texts)) throw new Error(`${caller}: texts must be a list of strings, got ${typeof texts}`);
  texts.forEach((text, i) => {
    if (typeof text !== 'string' || text.trim() === '') {
      throw new Error(`${caller}: text ${i} is empty or only whitespace (${JSON.stringify(text)}); remove it or give it a report text`);
    }
  });
  const batch = tokenizer.encodeBatch(texts, maxLength);
  if (batch.truncated.length > 0) {
    log.warn(
      `${caller}: ${batch.truncated.length} of ${texts.length} texts are longer than maxLength ${maxLength} tokens and were truncated ` +
        `(first: text ${batch.truncated[0]}); use a larger maxLength to keep them whole`,
    );
  }
  let unknownTexts = 0;
  let unknownCharacters = 0;
  for (const count of batch.unknownCounts) {
    if (count > 0) unknownTexts += 1;
    unknownCharacters += count;
  }
  if (unknownTexts > 0) {
    log.warn(
      `${caller}: ${unknownTexts} of ${texts.length} texts contain ${unknownCharacters} characters outside the tokenizer's alphabet, ` +
        'encoded as [UNK]; train the tokenizer on a corpus that contains them',
    );
  }
  return batch;
}
