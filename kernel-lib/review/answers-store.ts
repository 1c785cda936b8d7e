/**
 * Durable, append-only store of the answers of a review session: `answers.jsonl`, one JSON
 * object per line. Each answer is appended and flushed with fsync before the server confirms
 * it, so a confirmed answer survives a crash or a restart.
 */
import * as fs from 'fs';
import * as path from 'path';
import { log } from '../util/log';
import { IMAGE_SOURCES, ImageSource } from './session';

export const ANSWERS_FILE = 'answers.jsonl';
export const MAX_REVIEWER_NAME_LENGTH = 64;
export const MAX_COMMENT_LENGTH = 2000;
export const RATING_MIN = 1;
export const RATING_MAX = 5;

/** One reviewer's answer for one image. */
export interface ReviewAnswer {
  reviewer: string;
  imageId: string;
  /** The reviewer's judgment of the image's source. */
  judgment: ImageSource;
  /** Plausibility from 1 (implausible) to 5 (fully plausible), or null when not given. */
  rating: number | null;
  /** Free text, '' when not given. */
  comment: string;
  /** ISO 8601 time at which the server stored the answer. */
  answeredAt: string;
}

/** An answer for an image that the reviewer has already answered. */
export class DuplicateAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DuplicateAnswerError';
  }
}

// Control, format, surrogate, private-use and unassigned code points (Unicode category C).
const NON_PRINTABLE = /\p{C}/u;
// The same, except line feed, carriage return and tab, which a comment may contain.
const NON_PRINTABLE_IN_COMMENT = /(?![\n\r\t])\p{C}/u;

/**
 * Checks a reviewer name: 1 to 64 printable characters (code points), without leading or
 * trailing white space. Throws an Error that starts with `caller` otherwise.
 */
export function validateReviewerName(caller: string, name: unknown): string {
  if (typeof name !== 'string') {
    throw new Error(`${caller}: \`reviewer\` must be a string, got ${typeof name}`);
  }
  const length = [...name].length;
  if (length < 1 || length > MAX_REVIEWER_NAME_LENGTH) {
    throw new Error(`${caller}: \`reviewer\` must be 1 to ${MAX_REVIEWER_NAME_LENGTH} characters long, got ${length}`);
  }
  if (NON_PRINTABLE.test(name)) {
    throw new Error(`${caller}: \`reviewer\` must contain printable characters only, got ${JSON.stringify(name)}`);
  }
  if (name.trim() !== name || name.trim() === '') {
    throw new Error(`${caller}: \`reviewer\` must not start or end with white space, got ${JSON.stringify(name)}`);
  }
  return name;
}

/**
 * Checks the fields of an answer as a client sends them: `reviewer`, `imageId` (one of
 * `imageIds`), `judgment` ('real' or 'synthetic'), optional `rating` (an integer from 1 to 5, or
 * null) and optional `comment` (at most 2000 characters). Returns the answer without its time.
 */
export function validateAnswer(caller: string, value: unknown, imageIds: ReadonlySet<string>): Omit<ReviewAnswer, 'answeredAt'> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${caller}: an answer must be a JSON object, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
  }

  const fields = value as Record<string, unknown>;
  const allowed = ['reviewer', 'imageId', 'judgment', 'rating', 'comment', 'answeredAt'];
  const unknown = Object.keys(fields).filter((field) => !allowed.includes(field));
  if (unknown.length > 0) {
    throw new Error(`${caller}: unknown answer field ${unknown.map((f) => JSON.stringify(f)).join(', ')}; valid fields: ${allowed.join(', ')}`);
  }

  const reviewer = validateReviewerName(caller, fields.reviewer);
  const imageId = fields.imageId;
  if (typeof imageId !== 'string' || !imageIds.has(imageId)) {
    throw new Error(`${caller}: \`imageId\` ${JSON.stringify(imageId)} is not an image of this session`);
  }
  const judgment = fields.judgment;
  if (typeof judgment !== 'string' || !(IMAGE_SOURCES as readonly string[]).includes(judgment)) {
    throw new Error(`${caller}: \`judgment\` must be one of ${IMAGE_SOURCES.join(', ')}, got ${JSON.stringify(judgment)}`);
  }

  const rating = fields.rating ?? null;
  if (rating !== null && (typeof rating !== 'number' || !Number.isInteger(rating) || rating < RATING_MIN || rating > RATING_MAX)) {
    throw new Error(`${caller}: \`rating\` must be an integer from ${RATING_MIN} to ${RATING_MAX} or null, got ${JSON.stringify(rating)}`);
  }

  const comment = fields.comment ?? '';
  if (typeof comment !== 'string') {
    throw new Error(`${caller}: \`comment\` must be a string, got ${typeof comment}`);
  }
  if ([...comment].length > MAX_COMMENT_LENGTH) {
    throw new Error(`${caller}: \`comment\` must be at most ${MAX_COMMENT_LENGTH} characters long, got ${[...comment].length}`);
  }
  if (NON_PRINTABLE_IN_COMMENT.test(comment)) {
    throw new Error(`${caller}: \`comment\` must contain printable characters, line breaks and tabs only`);
  }

  return { reviewer, imageId, judgment: judgment as ImageSource, rating: rating as number | null, comment };
}

/** The complete answers of a file, and the bytes of a torn last line, if any. */
export interface ReadAnswersResult {
  answers: ReviewAnswer[];
  /** Length in bytes of the valid part: everything up to and including the last line break. */
  validBytes: number;
  /** Bytes after the last line break (0 when the file ends with one). */
  tornBytes: number;
}

/**
 * Reads an answers file. A last line without a line break is an answer whose write did not
 * finish (the server crashed or lost power during the append): it is ignored with a warning. A
 * complete line that is not a valid answer is an error, because appends never write one.
 * A second answer of a reviewer for the same image is ignored with a warning. A missing file
 * reads as no answers.
 */
export function readAnswers(filePath: string, imageIds: ReadonlySet<string>): ReadAnswersResult {
  if (!fs.existsSync(filePath)) return { answers: [], validBytes: 0, tornBytes: 0 };
  const bytes = fs.readFileSync(filePath);
  const validBytes = bytes.lastIndexOf(0x0a) + 1;
  const tornBytes = bytes.length - validBytes;
  if (tornBytes > 0) {
    log.warn(
      `readAnswers: ignoring the torn last line of ${filePath} (${tornBytes} bytes without a line break): ` +
        'an answer whose write did not finish, which the reviewer was never told was saved',
    );
  }

  const answers: ReviewAnswer[] = [];
  const seen = new Set<string>();
  const lines = bytes.subarray(0, validBytes).toString('utf8').split('\n').slice(0, -1);
  lines.forEach((line, i) => {
    let answer: ReviewAnswer;
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      const fields = validateAnswer('readAnswers', parsed, imageIds);
      if (typeof parsed.answeredAt !== 'string') throw new Error('`answeredAt` is missing');
      answer = { ...fields, answeredAt: parsed.answeredAt };
    } catch (err) {
      throw new Error(
        `readAnswers: line ${i + 1} of ${filePath} is not a valid answer (${(err as Error).message}); ` +
          'the file was changed by something other than the review server: restore it or remove that line',
      );
    }
    const key = answerKey(answer.reviewer, answer.imageId);
    if (seen.has(key)) {
      log.warn(`readAnswers: line ${i + 1} of ${filePath} answers image ${answer.imageId} a second time for reviewer ${JSON.stringify(answer.reviewer)}; keeping the first answer`);
      return;
    }
    seen.add(key);
    answers.push(answer);
  });
  return { answers, validBytes, tornBytes };
}

/**
 * The answers of one session in memory, backed by its `answers.jsonl`. Only one process may
 * append to a session at a time.
 * NOTE: nothing enforces that single writer. Two servers on one session would each miss the
 * other's answers and could store duplicates, which reading then ignores with a warning.
 */
export class AnswersStore {
  private readonly answers: ReviewAnswer[];
  private readonly byReviewer = new Map<string, Map<string, ReviewAnswer>>();

  private constructor(
    readonly filePath: string,
    private readonly imageIds: ReadonlySet<string>,
    answers: ReviewAnswer[],
  ) {
    this.answers = [];
    for (const answer of answers) this.remember(answer);
  }

  /**
   * Opens the answers file of a session for appending, creating it when missing. A torn last
   * line is moved to `<file>.torn` and cut from the file, so that the next append starts on a
   * line of its own. The warning names both files.
   */
  static open(filePath: string, imageIds: ReadonlySet<string>): AnswersStore {
    const read = readAnswers(filePath, imageIds);
    if (read.tornBytes > 0) {
      const tornFile = `${filePath}.torn`;
      const fragment = fs.readFileSync(filePath).subarray(read.validBytes);
      appendDurably(tornFile, Buffer.concat([fragment, Buffer.from('\n')]));
      const fd = fs.openSync(filePath, 'r+');
      try {
        fs.ftruncateSync(fd, read.validBytes);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      log.warn(`AnswersStore.open: moved the torn last line of ${filePath} (${read.tornBytes} bytes) to ${tornFile}`);
    }
    return new AnswersStore(filePath, imageIds, read.answers);
  }

  /** Returns all stored answers, in the order they were stored. */
  all(): readonly ReviewAnswer[] {
    return this.answers;
  }

  /** Returns the answers of one reviewer, in the order they were stored. */
  answersOf(reviewer: string): ReviewAnswer[] {
    return [...(this.byReviewer.get(reviewer)?.values() ?? [])];
  }

  /** Returns the names of the reviewers with at least one answer, in order of their first answer. */
  reviewers(): string[] {
    return [...this.byReviewer.keys()];
  }

  /**
   * Validates an answer, appends it to the file, flushes it with fsync and returns it with the
   * time it was stored. Throws `DuplicateAnswerError` when the reviewer already answered the image.
   */
  append(value: unknown, now: Date = new Date()): ReviewAnswer {
    const fields = validateAnswer('AnswersStore.append', value, this.imageIds);
    if (this.byReviewer.get(fields.reviewer)?.has(fields.imageId)) {
      throw new DuplicateAnswerError(
        `AnswersStore.append: reviewer ${JSON.stringify(fields.reviewer)} has already answered image ${fields.imageId}; answers cannot be changed`,
      );
    }
    const answer: ReviewAnswer = { ...fields, answeredAt: now.toISOString() };
    appendDurably(this.filePath, Buffer.from(`${JSON.stringify(answer)}\n`, 'utf8'));
    this.remember(answer);
    return answer;
  }

  private remember(answer: ReviewAnswer): void {
    this.answers.push(answer);
    let answered = this.byReviewer.get(answer.reviewer);
    if (answered === undefined) {
      answered = new Map();
      this.byReviewer.set(answer.reviewer, answered);
    }
    answered.set(answer.imageId, answer);
  }
}

function answerKey(reviewer: string, imageId: string): string {
  return `${reviewer}\u0000${imageId}`;
}

/**
 * Appends `bytes` to `filePath` in one write and flushes it with fsync. A file created by this
 * call also has its folder flushed, so that its directory entry survives a crash.
 */
function appendDurably(filePath: string, bytes: Buffer): void {
  const created = !fs.existsSync(filePath);
  const fd = fs.openSync(filePath, 'a');
  try {
    fs.appendFileSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  if (created) fsyncFolder(path.dirname(filePath));
}

function fsyncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (err) {
    // Some file systems (and Windows) cannot fsync a folder; the file's own fsync still holds.
    log.debug(`fsync of folder ${dir} failed: ${(err as Error).message}`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
