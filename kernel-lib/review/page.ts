/**
 * The reviewer's page: HTML, one script and one style sheet, all served from the review server's
 * own origin, because its Content-Security-Policy (`default-src 'self'`) blocks inline scripts
 * and styles. The script writes every text from the server (names, comments) with `textContent`,
 * never as markup, and the server escapes what it puts into the HTML itself.
 */
import { escapeHtml } from '../plots/html-text';
import { MAX_COMMENT_LENGTH, MAX_REVIEWER_NAME_LENGTH, RATING_MAX, RATING_MIN } from './answers-store';

/** Largest side, in CSS pixels, of the scaled-up image. */
const DISPLAY_SIZE_PX = 448;

/**
 * Returns the HTML of the review page for a session of `imageCount` images of height × width
 * pixels. Images are scaled up by a whole factor so that each pixel stays a sharp square.
 */
export function renderReviewPage(sessionName: string, imageCount: number, height: number, width: number): string {
  const scale = Math.max(1, Math.floor(DISPLAY_SIZE_PX / Math.max(height, width)));
  const ratings = Array.from({ length: RATING_MAX - RATING_MIN + 1 }, (_, i) => RATING_MIN + i)
    .map((value) => `<label><input type="radio" name="rating" value="${value}"> ${value}</label>`)
    .join('\n        ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Visual Turing test: ${escapeHtml(sessionName)}</title>
  <link rel="stylesheet" href="/app.css">
  <script src="/app.js" defer></script>
</head>
<body>
<main>
  <h1>Visual Turing test</h1>
  <p class="session">Session ${escapeHtml(sessionName)}: ${imageCount} images, each either a real image or a synthetic one.</p>
  <p id="error" role="alert" hidden></p>

  <form id="login">
    <label for="reviewer-name">Your name</label>
    <input id="reviewer-name" name="reviewer" required maxlength="${MAX_REVIEWER_NAME_LENGTH}" autocomplete="name">
    <button type="submit">Start</button>
    <p class="hint">Use the same name to continue where you stopped.</p>
  </form>

  <section id="review" hidden>
    <p>Reviewer <strong id="reviewer"></strong>, image <span id="progress"></span></p>
    <img id="image" alt="image to judge" width="${width * scale}" height="${height * scale}">
    <form id="answer">
      <fieldset>
        <legend>Is this image real or synthetic?</legend>
        <label><input type="radio" name="judgment" value="real" required> Real</label>
        <label><input type="radio" name="judgment" value="synthetic"> Synthetic</label>
      </fieldset>
      <fieldset>
        <legend>How plausible does it look? Optional: ${RATING_MIN} = implausible, ${RATING_MAX} = fully plausible</legend>
        ${ratings}
      </fieldset>
      <label for="comment">Comment (optional)</label>
      <textarea id="comment" name="comment" rows="3" maxlength="${MAX_COMMENT_LENGTH}"></textarea>
      <button type="submit" id="next">Save and next</button>
    </form>
  </section>

  <section id="done" hidden>
    <p>All images answered. Thank you.</p>
  </section>

  <section id="history-section" hidden>
    <h2>Your answers</h2>
    <ol id="history"></ol>
  </section>
</main>
</body>
</html>
`;
}

/** Style sheet of the review page, served as /app.css. */
export const REVIEW_PAGE_STYLE = `
body { font-family: system-ui, sans-serif; margin: 0; background: #f4f4f4; color: #111; }
main { max-width: 42rem; margin: 0 auto; padding: 1rem; }
[hidden] { display: none !important; }
#image { display: block; margin: 0.5rem 0; image-rendering: pixelated; background: #000; }
fieldset { margin: 0.5rem 0; }
textarea { display: block; width: 100%; box-sizing: border-box; }
button { margin-top: 0.5rem; font-size: 1rem; padding: 0.3rem 1rem; }
#error { color: #a00; font-weight: bold; }
#history { white-space: pre-wrap; }
.hint, .session { color: #555; }
`;

/**
 * Script of the review page, served as /app.js. It keeps the reviewer's state in memory:
 * `order` (image ids in this reviewer's order) and `answers` (image id to stored answer).
 */
export const REVIEW_PAGE_SCRIPT = `'use strict';
(function () {
  var state = null;
  var currentImageId = null;

  function byId(id) { return document.getElementById(id); }

  function showError(message) {
    byId('error').textContent = message;
    byId('error').hidden = message === '';
  }

  // Sends a JSON body and returns the parsed JSON reply; a status other than 2xx throws with the
  // server's error message and the status.
  async function postJson(path, body) {
    var response = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    var reply = await response.json().catch(function () { return {}; });
    if (!response.ok) {
      var error = new Error(reply.error || ('request failed with status ' + response.status));
      error.status = response.status;
      throw error;
    }
    return reply;
  }

  function describe(answer) {
    var text = answer.judgment;
    if (answer.rating !== null) text += ', plausibility ' + answer.rating;
    if (answer.comment !== '') text += ': ' + answer.comment;
    return text;
  }

  function renderHistory() {
    var list = byId('history');
    list.replaceChildren();
    state.order.forEach(function (imageId) {
      var answer = state.answers.get(imageId);
      if (!answer) return;
      var item = document.createElement('li');
      item.dataset.imageId = imageId;
      item.textContent = describe(answer);
      list.appendChild(item);
    });
    byId('history-section').hidden = state.answers.size === 0;
  }

  function render() {
    byId('reviewer').textContent = state.reviewer;
    renderHistory();
    currentImageId = state.order.find(function (imageId) { return !state.answers.has(imageId); }) || null;
    if (currentImageId === null) {
      byId('review').hidden = true;
      byId('done').hidden = false;
      return;
    }
    byId('done').hidden = true;
    byId('review').hidden = false;
    byId('progress').textContent = (state.answers.size + 1) + ' / ' + state.total;
    var image = byId('image');
    image.dataset.imageId = currentImageId;
    image.src = '/images/' + encodeURIComponent(currentImageId) + '.png';
    byId('answer').reset();
    byId('next').disabled = false;
  }

  async function loadReviewer(name) {
    var reply = await postJson('/api/reviewer', { reviewer: name });
    state = { reviewer: reply.reviewer, total: reply.total, order: reply.order, answers: new Map() };
    reply.answers.forEach(function (answer) { state.answers.set(answer.imageId, answer); });
    render();
  }

  byId('login').addEventListener('submit', async function (event) {
    event.preventDefault();
    showError('');
    try {
      await loadReviewer(byId('reviewer-name').value.trim());
      byId('login').hidden = true;
    } catch (error) {
      showError(error.message);
    }
  });

  byId('answer').addEventListener('submit', async function (event) {
    event.preventDefault();
    if (currentImageId === null) return;
    var form = byId('answer');
    var judgment = form.querySelector('input[name="judgment"]:checked');
    var rating = form.querySelector('input[name="rating"]:checked');
    byId('next').disabled = true;
    showError('');
    try {
      var reply = await postJson('/api/answer', {
        reviewer: state.reviewer,
        imageId: currentImageId,
        judgment: judgment ? judgment.value : null,
        rating: rating ? Number(rating.value) : null,
        comment: byId('comment').value,
      });
      state.answers.set(reply.answer.imageId, reply.answer);
      render();
    } catch (error) {
      if (error.status === 409) {
        // Already stored, for example by a request whose reply was lost: reload the saved state.
        await loadReviewer(state.reviewer).catch(function (reload) { showError(reload.message); });
        return;
      }
      showError(error.message);
      byId('next').disabled = false;
    }
  });
})();
`;
