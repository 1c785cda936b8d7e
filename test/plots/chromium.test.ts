import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ChromiumNotFoundError, findChromium } from '../../kernel-lib/plots/chromium';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-chromium-'));
const emptyDir = path.join(work, 'empty');
const binDir = path.join(work, 'bin');
fs.mkdirSync(emptyDir);
fs.mkdirSync(binDir);
// Stand-ins for browsers: the search only checks that they are executable files.
for (const name of ['google-chrome', 'chromium-browser']) fs.writeFileSync(path.join(binDir, name), '#!/bin/sh\n', { mode: 0o755 });
fs.writeFileSync(path.join(work, 'not-executable'), 'x', { mode: 0o644 });

test.after(() => fs.rmSync(work, { recursive: true, force: true }));

test('PATH search follows the name order', () => {
  // chromium-browser comes before google-chrome in CHROMIUM_NAMES, whatever the folder order.
  const found = findChromium('test', { env: { PATH: [emptyDir, binDir].join(path.delimiter) } });
  assert.is(found, path.join(binDir, 'chromium-browser'));
});

test('environment variable wins over PATH', () => {
  const chrome = path.join(binDir, 'google-chrome');
  assert.is(findChromium('test', { env: { PATH: binDir, MEDSYNTH_CHROMIUM: chrome } }), chrome);
});

test('explicit path wins over the environment', () => {
  const chrome = path.join(binDir, 'google-chrome');
  const found = findChromium('test', { chromiumPath: chrome, env: { MEDSYNTH_CHROMIUM: path.join(binDir, 'chromium-browser') } });
  assert.is(found, chrome);
});

test('missing browser names what was searched', () => {
  let error: unknown;
  try {
    findChromium('exportFigure', { env: { PATH: emptyDir } });
  } catch (err) {
    error = err;
  }
  assert.instance(error, ChromiumNotFoundError);
  const message = (error as Error).message;
  assert.match(message, /^exportFigure: no Chromium found: /);
  assert.match(message, /MEDSYNTH_CHROMIUM not set/);
  assert.ok(message.includes(`no chromium, chromium-browser, google-chrome on the PATH (${emptyDir})`), message);
  assert.match(message, /apt-get install chromium/);
  assert.match(message, /--chromium <path>/);
});

test('explicit path that does not exist is an error', () => {
  const missing = path.join(work, 'no-such-browser');
  assert.throws(() => findChromium('test', { chromiumPath: missing, env: { PATH: binDir } }), new RegExp(`^test: the Chromium executable '${missing}' from chromiumPath does not exist`));
});

test('non-executable file is an error', () => {
  const file = path.join(work, 'not-executable');
  assert.throws(() => findChromium('test', { env: { MEDSYNTH_CHROMIUM: file } }), /from MEDSYNTH_CHROMIUM is not an executable file/);
});

test.run();
