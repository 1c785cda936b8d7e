import * as path from 'path';
import { ANSWERS_FILE } from '../review/answers-store';
import { formatReviewScores, scoreReviewSession, SCORES_FILE } from '../review/scoring';
import { REVIEW_HOST, startReviewServer } from '../review/server';
import {
  DEFAULT_IMAGE_COUNT,
  DEFAULT_SESSION_NAME,
  MAX_IMAGE_COUNT,
  openOrCreateReviewSession,
  REAL_CLASS_MIXES,
  RealClassMix,
  reviewSessionDir,
} from '../review/session';
import { OptionSpec, formatHelp, parseOptions } from './args';

const SESSION_OPTION: OptionSpec = { type: 'string', default: DEFAULT_SESSION_NAME, description: 'session name: a folder under <run dir>/review/' };

// Options of a new session have no declared default, so that a value given for an existing
// session is distinguished from the default, and ignored with a warning.
export const REVIEW_SERVE_OPTIONS: Record<string, OptionSpec> = {
  port: { type: 'number', default: 0, description: `TCP port on ${REVIEW_HOST}; 0 picks a free one` },
  images: { type: 'number', description: `images in a new session, real and synthetic together (default ${DEFAULT_IMAGE_COUNT})` },
  seed: { type: 'number', description: "seed of a new session: the choice of images, their file names and each reviewer's order (default 0)" },
  session: SESSION_OPTION,
  'real-fraction': { type: 'number', description: 'fraction of real images in a new session, in (0, 1) (default 0.5)' },
  'real-classes': {
    type: 'string',
    description: `classes of the real images in a new session: synthetic-mix (those of the synthetic images) or all (default synthetic-mix)`,
  },
  host: { type: 'string', default: REVIEW_HOST, description: `address to listen on; only ${REVIEW_HOST} is accepted` },
  help: { type: 'boolean', description: 'show this help' },
};

export const REVIEW_SCORE_OPTIONS: Record<string, OptionSpec> = {
  session: SESSION_OPTION,
  help: { type: 'boolean', description: 'show this help' },
};

const SERVE_SUMMARY = [
  'Serves a visual Turing test of a finished run: medsynth review serve <run dir>.',
  'The first serve of a session copies a seeded mix of real test images and accepted synthetic',
  'images to <run dir>/review/<session>/images under opaque names; the answer key stays in key.json',
  'there and is never served. Later serves reuse the session and keep every stored answer.',
  `The server listens on ${REVIEW_HOST} only, because it has no authentication. To let reviewers on`,
  `other machines in, forward the port, e.g. ssh -L 8080:${REVIEW_HOST}:<port> <this machine>.`,
  'Stop it with Ctrl+C.',
].join('\n');

const SCORE_SUMMARY = [
  'Scores the answers of a review session: medsynth review score <run dir>.',
  'Prints, per reviewer, accuracy with an exact binomial test against guessing, sensitivity for',
  "spotting synthetic images, specificity and mean plausibility ratings, then Cohen's kappa per pair",
  `of reviewers and Fleiss' kappa for three or more. Writes <run dir>/review/<session>/${SCORES_FILE}.`,
].join('\n');

const USAGE = "review: name a subcommand: 'medsynth review serve <run dir>' or 'medsynth review score <run dir>'";

/** Runs `medsynth review serve|score <run dir> [options]`. */
export async function reviewCommand(argv: string[]): Promise<void> {
  const [subcommand, ...rest] = argv;
  if (subcommand === undefined) throw new Error(USAGE);
  if (subcommand === '--help' || subcommand === 'help') {
    console.log(`${formatHelp('review serve <run dir>', SERVE_SUMMARY, REVIEW_SERVE_OPTIONS)}\n\n${formatHelp('review score <run dir>', SCORE_SUMMARY, REVIEW_SCORE_OPTIONS)}`);
    return;
  }
  if (subcommand === 'serve') return serveCommand(rest);
  if (subcommand === 'score') return scoreCommand(rest);
  throw new Error(`review: unknown subcommand '${subcommand}'; use 'serve' or 'score'`);
}

async function serveCommand(argv: string[]): Promise<void> {
  if (argv.includes('--help')) {
    console.log(formatHelp('review serve <run dir>', SERVE_SUMMARY, REVIEW_SERVE_OPTIONS));
    return;
  }
  const runDir = runDirArgument('review serve', argv);
  const o = parseOptions('review serve', argv.slice(1), REVIEW_SERVE_OPTIONS);

  if (o.host !== REVIEW_HOST) {
    throw new Error(
      `review serve: --host must be ${REVIEW_HOST}, got '${o.host}'; the server has no authentication, so it listens on the loopback interface only. ` +
        `Let remote reviewers in through an SSH tunnel (ssh -L 8080:${REVIEW_HOST}:<port> <this machine>)`,
    );
  }
  const port = o.port as number;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`review serve: --port must be an integer in [0, 65535], got ${port}`);
  const images = o.images as number | undefined;
  if (images !== undefined && (!Number.isInteger(images) || images < 2 || images > MAX_IMAGE_COUNT)) {
    throw new Error(`review serve: --images must be an integer in [2, ${MAX_IMAGE_COUNT}], got ${images}`);
  }
  const seed = o.seed as number | undefined;
  if (seed !== undefined && !Number.isInteger(seed)) throw new Error(`review serve: --seed must be an integer, got ${seed}`);
  const realFraction = o['real-fraction'] as number | undefined;
  if (realFraction !== undefined && !(realFraction > 0 && realFraction < 1)) {
    throw new Error(`review serve: --real-fraction must be a number in (0, 1), got ${realFraction}`);
  }
  const realClasses = o['real-classes'] as string | undefined;
  if (realClasses !== undefined && !(REAL_CLASS_MIXES as readonly string[]).includes(realClasses)) {
    throw new Error(`review serve: --real-classes must be one of ${REAL_CLASS_MIXES.join(', ')}, got '${realClasses}'`);
  }

  const sessionName = o.session as string;
  const { session, created } = openOrCreateReviewSession(runDir, {
    sessionName,
    imageCount: images,
    seed,
    realFraction,
    realClasses: realClasses as RealClassMix | undefined,
  });
  // Listen for Ctrl+C before printing the URL, so that a signal sent right after it still stops
  // the server cleanly.
  const stopRequested = new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  const server = await startReviewServer(session, { port, host: REVIEW_HOST });
  const dir = reviewSessionDir(session.runDir, session.name);
  const reviewers = server.answers.reviewers().length;
  console.log(
    `review: ${created ? 'created' : 'reusing'} session '${session.name}' in ${dir}: ${session.imageIds.length} images, ` +
      `${server.answers.all().length} answers from ${reviewers} reviewer${reviewers === 1 ? '' : 's'} so far`,
  );
  console.log(`review: open ${server.url} in a browser; press Ctrl+C to stop`);

  await stopRequested;
  await server.close();
  console.log(`review: server stopped; ${server.answers.all().length} answers are stored in ${path.join(dir, ANSWERS_FILE)}`);
}

async function scoreCommand(argv: string[]): Promise<void> {
  if (argv.includes('--help')) {
    console.log(formatHelp('review score <run dir>', SCORE_SUMMARY, REVIEW_SCORE_OPTIONS));
    return;
  }
  const runDir = runDirArgument('review score', argv);
  const o = parseOptions('review score', argv.slice(1), REVIEW_SCORE_OPTIONS);
  const scores = scoreReviewSession(runDir, o.session as string);
  console.log(formatReviewScores(scores));
  console.log(`\nreview: scores written to ${path.join(reviewSessionDir(runDir, scores.session), SCORES_FILE)}`);
}

function runDirArgument(command: string, argv: string[]): string {
  const runDir = argv[0];
  if (runDir === undefined || runDir.startsWith('--')) {
    throw new Error(`${command}: name a run directory, e.g. 'medsynth ${command} experiments/runs/<run id>'`);
  }
  return runDir;
}
