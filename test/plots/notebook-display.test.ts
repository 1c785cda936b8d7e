import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LogLevel, setLogLevel, setLogSink } from '../../kernel-lib/util/log';
import { PLOTLY_MIME_TYPE } from '../../kernel-lib/plots/mime-bundle';
import { DisplayContent, NotebookDisplay, findTslabWriter, showFigure } from '../../kernel-lib/plots/notebook-display';
import { browserTest } from './chromium-for-tests';

interface Message {
  content: DisplayContent;
  update: boolean;
}

/** Returns a display whose writer records every message, as a kernel would send them. */
function capturingDisplay(options: ConstructorParameters<typeof NotebookDisplay>[0] = {}) {
  const messages: Message[] = [];
  const display = new NotebookDisplay({ ...options, writer: (content, update) => messages.push({ content, update }) });
  return { display, messages };
}

const FIGURE = { data: [{ type: 'scatter', y: [1, 3, 2] }], layout: { width: 300, height: 200 } };

/** True when a message carries the plotly.js bundle. */
function carriesPlotlyJs(message: Message): boolean {
  const html = message.content.data['text/html'];
  return typeof html === 'string' && html.includes('window.define = undefined;');
}

test('first figure sends plotly.js once', async () => {
  const { display, messages } = capturingDisplay();
  await display.showFigure(FIGURE, { png: 'never' });
  await display.showFigure(FIGURE, { png: 'never' });
  assert.is(messages.length, 3, 'expected the plotly.js output, then one output per figure');
  assert.ok(carriesPlotlyJs(messages[0]), 'expected plotly.js in the first output');
  assert.not.ok(PLOTLY_MIME_TYPE in messages[0].content.data, 'expected the plotly.js output to hold no figure');
  assert.not.ok(carriesPlotlyJs(messages[1]), 'expected the first figure to reference plotly.js');
  assert.not.ok(carriesPlotlyJs(messages[2]), 'expected the second figure to reference plotly.js');
});

test('figure output is one multi-type message', async () => {
  const { display, messages } = capturingDisplay();
  await display.showFigure(FIGURE, { png: 'never', includePlotlyJs: 'never' });
  assert.is(messages.length, 1);
  const { content, update } = messages[0];
  assert.equal(Object.keys(content.data).sort(), [PLOTLY_MIME_TYPE, 'text/html', 'text/plain'].sort());
  assert.equal((content.data[PLOTLY_MIME_TYPE] as { data: unknown }).data, FIGURE.data);
  assert.is(update, false);
  assert.equal(content.transient, {});
});

test('always mode sends plotly.js again', async () => {
  const { display, messages } = capturingDisplay();
  await display.showFigure(FIGURE, { png: 'never' });
  await display.showFigure(FIGURE, { png: 'never', includePlotlyJs: 'always' });
  assert.equal(messages.map(carriesPlotlyJs), [true, false, true, false]);
});

test('displays keep separate plotly.js state', async () => {
  const first = capturingDisplay();
  const second = capturingDisplay();
  await first.display.showFigure(FIGURE, { png: 'never' });
  await second.display.showFigure(FIGURE, { png: 'never' });
  assert.ok(carriesPlotlyJs(second.messages[0]), 'expected a new display (kernel session) to send plotly.js');
});

test('missing Chromium adds a note, not a PNG', async () => {
  const { display, messages } = capturingDisplay({ chromium: { env: { PATH: '' } } });
  await display.showFigure(FIGURE, { includePlotlyJs: 'never' });
  const data = messages[0].content.data;
  assert.not.ok('image/png' in data, 'expected no image/png');
  assert.match(String(data['text/plain']), /Static image\/png skipped: no Chromium was found/);
  assert.equal(messages[0].content.metadata, {});
});

test('live display updates one output', () => {
  const { display, messages } = capturingDisplay();
  const live = display.newLiveDisplay();
  live.update('step 1 of 2');
  live.update('step <2> of 2');
  live.update({ html: '<b>done</b>', text: 'done' });
  assert.equal(
    messages.map((message) => message.update),
    [false, true, true],
  );
  for (const message of messages) assert.is(message.content.transient.display_id, live.displayId);
  assert.is(messages[1].content.data['text/plain'], 'step <2> of 2');
  assert.is(messages[1].content.data['text/html'], '<pre style="margin:0">step &lt;2&gt; of 2</pre>');
  assert.is(messages[2].content.data['text/html'], '<b>done</b>');
});

test('live displays have distinct ids', () => {
  const { display } = capturingDisplay();
  assert.is.not(display.newLiveDisplay().displayId, display.newLiveDisplay().displayId);
});

test('showHtml sends HTML with a text fallback', () => {
  const { display, messages } = capturingDisplay();
  display.showHtml('<i>x</i>', { text: 'x' });
  assert.equal(messages[0].content.data, { 'text/html': '<i>x</i>', 'text/plain': 'x' });
});

test('outside a kernel there is no writer', () => {
  assert.is(findTslabWriter(), null);
});

test('showFigure outside a kernel throws', async () => {
  try {
    await showFigure(FIGURE, { png: 'never' });
    assert.unreachable('expected showFigure to throw');
  } catch (err) {
    assert.match((err as Error).message, /^showFigure: no Jupyter kernel to display in: /);
    assert.match((err as Error).message, /pass \{ writer \} to new NotebookDisplay\(\)/);
  }
});

test('rejects an unknown plotly.js mode', async () => {
  const { display } = capturingDisplay();
  try {
    await display.showFigure(FIGURE, { png: 'never', includePlotlyJs: 'twice' as 'once' });
    assert.unreachable('expected showFigure to throw');
  } catch (err) {
    assert.match((err as Error).message, /^showFigure: `includePlotlyJs` must be one of once, always, never, got 'twice'/);
  }
});

browserTest('figures share one Chromium', async () => {
  const launches: string[] = [];
  const previousSink = setLogSink((level, message) => {
    if (message.startsWith('FigureRenderer: Chromium')) launches.push(message);
  });
  setLogLevel('debug');
  const { display, messages } = capturingDisplay();
  try {
    await display.showFigure(FIGURE, { includePlotlyJs: 'never' });
    await display.showFigure(FIGURE, { includePlotlyJs: 'never' });
  } finally {
    await display.close();
    setLogSink(previousSink);
    setLogLevel((process.env.MEDSYNTH_LOG_LEVEL as LogLevel | undefined) || 'info');
  }
  assert.is(launches.length, 1, 'expected one Chromium start for two figures');
  for (const message of messages) {
    assert.type(message.content.data['image/png'], 'string');
    // The PNG has 2 device pixels per CSS pixel; the metadata gives the CSS size.
    assert.equal(message.content.metadata, { 'image/png': { width: 300, height: 200 } });
  }
});

test.run();
