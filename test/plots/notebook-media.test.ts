import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DisplayContent, LiveDisplay } from '../../kernel-lib/plots/notebook-display';
import { notebookProgress, showImages, showMarkdown } from '../../kernel-lib/plots/notebook-media';

interface Sent {
  content: DisplayContent;
  update: boolean;
}

function capture(): { sent: Sent[]; writer: (content: DisplayContent, update: boolean) => void } {
  const sent: Sent[] = [];
  return { sent, writer: (content, update) => sent.push({ content, update }) };
}

test('showImages sends one grid as HTML, PNG and the caption, escaping the caption', () => {
  const { sent, writer } = capture();
  // Two 2×3 images.
  showImages(new Uint8Array(12).fill(128), { height: 2, width: 3, columns: 2, scale: 1, caption: 'SYNTHETIC <b>effusion</b>', writer });
  assert.is(sent.length, 1);
  const data = sent[0].content.data as Record<string, string>;
  assert.is(data['text/plain'], 'SYNTHETIC <b>effusion</b>');
  assert.match(data['text/html'], '<figcaption>SYNTHETIC &lt;b&gt;effusion&lt;/b&gt;</figcaption>');
  assert.not.match(data['text/html'], '<b>');
  const png = Buffer.from(data['image/png'], 'base64');
  assert.equal(Array.from(png.subarray(1, 4)), [0x50, 0x4e, 0x47], 'image/png holds a PNG');
  // Grid of 2 columns, 1 row, 2-pixel gaps: width 2·3 + 3·2 = 12, height 2 + 2·2 = 6.
  assert.is(png.readUInt32BE(16), 12);
  assert.is(png.readUInt32BE(20), 6);
});

test('showImages rejects pixels that are not whole images', () => {
  const { writer } = capture();
  assert.throws(() => showImages(new Uint8Array(5), { height: 2, width: 2, caption: 'x', writer }), /showImages: `images` must be a Uint8Array of whole 2×2 images, got 5 values/);
});

test('showMarkdown sends Markdown with a plain-text copy', () => {
  const { sent, writer } = capture();
  showMarkdown('| a |\n|---|', { writer });
  assert.equal(sent[0].content.data, { 'text/markdown': '| a |\n|---|', 'text/plain': '| a |\n|---|' });
});

test('notebookProgress updates one display in place, throttled, and always sends the last value', () => {
  const updates: { html: string; text?: string }[] = [];
  const live = (): LiveDisplay => ({ displayId: 'd1', update: (content) => updates.push(content as { html: string; text?: string }) });
  const bar = notebookProgress({ intervalMs: 60_000, live })('diffusion', 10, 'steps');
  bar.update(1, 'loss 0.5');
  bar.update(2, 'loss 0.4');
  bar.update(10, 'loss 0.1');
  bar.stop();
  // The first update goes out, the second is inside the interval, the last is the total, then stop.
  assert.is(updates.length, 3);
  assert.match(updates[0].text ?? '', /^diffusion: 1\/10 steps \(10%\), elapsed \d+ s, left about \d+ s \| loss 0.5$/);
  assert.match(updates[1].text ?? '', 'diffusion: 10/10 steps (100%)');
  assert.match(updates[1].html, '<progress value="10" max="10"');
});

test.run();
