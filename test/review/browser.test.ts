import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { ANSWERS_FILE } from '../../kernel-lib/review/answers-store';
import { scoreReviewSession, SCORES_FILE } from '../../kernel-lib/review/scoring';
import { ReviewServer, startReviewServer } from '../../kernel-lib/review/server';
import { ImageSource, openOrCreateReviewSession, readReviewKey, reviewerImageOrder, ReviewSession, reviewSessionDir } from '../../kernel-lib/review/session';
import { LogSink, setLogSink } from '../../kernel-lib/util/log';
import { uninterruptedTinyRun } from '../experiment/tiny-experiment';
import { browserTest, CHROMIUM } from '../plots/chromium-for-tests';

// A scripted reviewer uses the review page in headless Chromium, by clicks, on a session of the
// tiny experiment run: 6 real and 6 synthetic 28 × 28 images. The script reads the answer key,
// so the scores it expects follow from its own choices.

const REVIEWER = 'Reader One';
const PAYLOAD = '<script>window.__x=1</script>';

interface GivenAnswer {
  imageId: string;
  source: ImageSource;
  judgment: ImageSource;
  rating: number | null;
  comment: string;
}

/**
 * The few DOM members the page functions below use. The project compiles without the DOM library,
 * and functions passed to Chromium cannot refer to helpers outside their own body.
 * NOTE: Playwright runs functions through the DevTools protocol, which the page's
 * Content-Security-Policy does not restrict. An expression passed as a string would need eval,
 * which the policy blocks.
 */
interface PageDocument {
  getElementById(id: string): { dataset: Record<string, string | undefined>; hidden: boolean; complete: boolean; naturalWidth: number };
}

let runDir: string;
let session: ReviewSession;
let server: ReviewServer;
let browser: Browser | undefined;
let page: Page;
const given: GivenAnswer[] = [];
const pageErrors: string[] = [];
let previousSink: LogSink | undefined;
const logged: { level: string; message: string }[] = [];

test.before(async () => {
  if (CHROMIUM === null) return;
  previousSink = setLogSink((level, message) => logged.push({ level, message }));
  runDir = await uninterruptedTinyRun();
  session = openOrCreateReviewSession(runDir, { sessionName: 'browser', imageCount: 12, seed: 7 }).session;
  server = await startReviewServer(session, { port: 0 });
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
});

test.after(async () => {
  await browser?.close();
  await server?.close();
  if (previousSink !== undefined) setLogSink(previousSink);
});

async function signIn(name: string): Promise<void> {
  await page.goto(server.url);
  await page.fill('#reviewer-name', name);
  await page.click('#login button[type="submit"]');
  await page.waitForSelector('#review:not([hidden]), #done:not([hidden])');
}

/** Answers the image on screen by clicks and waits until the page shows the next one. */
async function answerShownImage(answer: Omit<GivenAnswer, 'imageId' | 'source'>, imageId: string): Promise<void> {
  await page.click(`input[name="judgment"][value="${answer.judgment}"]`);
  if (answer.rating !== null) await page.click(`input[name="rating"][value="${answer.rating}"]`);
  if (answer.comment !== '') await page.fill('#comment', answer.comment);
  await page.click('#next');
  await page.waitForFunction((previous) => {
    const { document } = globalThis as unknown as { document: PageDocument };
    return document.getElementById('image').dataset.imageId !== previous || !document.getElementById('done').hidden;
  }, imageId);
}

browserTest('scripted reviewer answers ten images', async () => {
  const sourceOf = new Map(readReviewKey(session).entries.map((entry) => [entry.imageId, entry.source]));
  await signIn(REVIEWER);

  for (let i = 0; i < 10; i++) {
    assert.is(await page.textContent('#progress'), `${i + 1} / 12`);
    const imageId = (await page.getAttribute('#image', 'data-image-id')) as string;
    const naturalWidth = await page.waitForFunction(() => {
      const image = (globalThis as unknown as { document: PageDocument }).document.getElementById('image');
      return image.complete && image.naturalWidth > 0 && image.naturalWidth;
    });
    assert.is(await naturalWidth.jsonValue(), 28, `width of ${imageId}`);
    const source = sourceOf.get(imageId) as ImageSource;
    // Right on the first nine images, wrong on the tenth: 9 of 10 correct.
    const wrong: ImageSource = source === 'real' ? 'synthetic' : 'real';
    const judgment = i < 9 ? source : wrong;
    const rating = i % 3 === 2 ? null : (i % 5) + 1;
    const comments = [PAYLOAD, 'smooth texture'];
    const comment = comments[i] ?? '';
    await answerShownImage({ judgment, rating, comment }, imageId);
    given.push({ imageId, source, judgment, rating, comment });
  }

  assert.equal(
    given.map((answer) => answer.imageId),
    reviewerImageOrder(session, REVIEWER).slice(0, 10),
  );
  assert.is(await page.textContent('#progress'), '11 / 12');
  assert.equal(pageErrors, []);
});

browserTest('scores match the scripted answers', () => {
  const scores = scoreReviewSession(runDir, 'browser');
  assert.is(scores.reviewers.length, 1);
  const score = scores.reviewers[0];
  const synthetic = given.filter((answer) => answer.source === 'synthetic');
  const real = given.filter((answer) => answer.source === 'real');

  assert.is(score.reviewer, REVIEWER);
  assert.is(score.answered, 10);
  assert.is(score.correct, 9);
  assert.is(score.accuracy, 0.9);
  // 9 of 10 correct against 0.5: 2·(C(10,9) + C(10,10)) / 2^10, computed by hand.
  assert.is(score.pValue, 0.021484375);
  assert.is(score.syntheticShown, synthetic.length);
  assert.is(score.syntheticCalledSynthetic, synthetic.filter((answer) => answer.judgment === 'synthetic').length);
  assert.is(score.realShown, real.length);
  assert.is(score.realCalledReal, real.filter((answer) => answer.judgment === 'real').length);
  assert.is(score.sensitivity, score.syntheticCalledSynthetic / synthetic.length);
  assert.is(score.specificity, score.realCalledReal / real.length);

  for (const [source, answers] of [['real', real], ['synthetic', synthetic]] as const) {
    const ratings = answers.flatMap((answer) => (answer.rating === null ? [] : [answer.rating]));
    const mean = ratings.length === 0 ? null : ratings.reduce((a, b) => a + b, 0) / ratings.length;
    assert.is(score.meanRating[source], mean, `mean rating of ${source} images`);
  }
  const written = JSON.parse(fs.readFileSync(path.join(reviewSessionDir(runDir, 'browser'), SCORES_FILE), 'utf8'));
  assert.equal(written, JSON.parse(JSON.stringify(scores)));
});

// The DOM checks catch markup injection: a <script> inserted through innerHTML would never run,
// and the page's Content-Security-Policy blocks inline scripts and event handlers anyway.
browserTest('comment is shown escaped', async () => {
  const first = page.locator('#history li').first();
  assert.is(await first.getAttribute('data-image-id'), given[0].imageId);
  assert.ok(((await first.textContent()) as string).endsWith(`: ${PAYLOAD}`), `expected the comment as text, got ${await first.textContent()}`);
  assert.is(await page.evaluate(() => typeof (globalThis as unknown as { __x?: unknown }).__x), 'undefined');
  assert.is(await page.locator('script').count(), 1);
  assert.is(await page.locator('#history script').count(), 0);

  const lines = fs.readFileSync(path.join(reviewSessionDir(runDir, 'browser'), ANSWERS_FILE), 'utf8').trim().split('\n');
  assert.is(JSON.parse(lines[0]).comment, PAYLOAD);
});

browserTest('page cannot fetch outside the images folder', async () => {
  const statuses = await page.evaluate(async () => {
    const paths = ['/images/..%2fkey.json', '/images/%2e%2e%2fsession.json', '/key.json', '/images/img-0000000000000000.png'];
    return Promise.all(paths.map(async (p) => (await fetch(p)).status));
  });
  assert.equal(statuses, [400, 400, 404, 404]);
});

browserTest('restart continues where the reviewer stopped', async () => {
  await server.close();
  server = await startReviewServer(session, { port: 0 });
  await signIn(REVIEWER);
  assert.is(await page.textContent('#progress'), '11 / 12');
  assert.is(await page.locator('#history li').count(), 10);
  assert.is(await page.getAttribute('#image', 'data-image-id'), reviewerImageOrder(session, REVIEWER)[10]);
});

browserTest('restart ignores a torn last line', async () => {
  await server.close();
  const file = path.join(reviewSessionDir(runDir, 'browser'), ANSWERS_FILE);
  fs.appendFileSync(file, `{"reviewer":"${REVIEWER}","imageId":"${reviewerImageOrder(session, REVIEWER)[10]}","judgment":"re`);
  server = await startReviewServer(session, { port: 0 });
  await signIn(REVIEWER);
  assert.is(await page.textContent('#progress'), '11 / 12');
  assert.ok(logged.some((entry) => entry.level === 'warn' && /moved the torn last line of .*answers\.jsonl/.test(entry.message)), 'expected a warning about the torn line');

  const imageId = (await page.getAttribute('#image', 'data-image-id')) as string;
  await answerShownImage({ judgment: 'real', rating: 3, comment: '' }, imageId);
  assert.is(await page.textContent('#progress'), '12 / 12');
  assert.is(scoreReviewSession(runDir, 'browser').reviewers[0].answered, 11);
});

browserTest('second reviewer gets another order', async () => {
  await signIn('Reader Two');
  assert.is(await page.textContent('#progress'), '1 / 12');
  assert.is(await page.getAttribute('#image', 'data-image-id'), reviewerImageOrder(session, 'Reader Two')[0]);
  assert.is(await page.locator('#history li').count(), 0);
});

browserTest('invalid name shows an error', async () => {
  await page.goto(server.url);
  await page.fill('#reviewer-name', 'bad\u0007name');
  await page.click('#login button[type="submit"]');
  await page.waitForSelector('#error:not([hidden])');
  assert.match((await page.textContent('#error')) as string, /`reviewer` must contain printable characters only/);
  assert.is(await page.locator('#review').isHidden(), true);
});

browserTest('server logged no errors', () => {
  assert.equal(
    logged.filter((entry) => entry.level === 'error').map((entry) => entry.message),
    [],
  );
});

test.run();
