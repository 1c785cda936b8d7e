import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runNotebook } from '../../kernel-lib/notebook/run-notebook';
import { parseNotebook } from '../../kernel-lib/notebook/nbformat';
import { codeCell, writeNotebook } from './fake-kernel-setup';

// The project's tslab kernel must survive a cell with thousands of outputs: zeromq.js defers a
// send after 512 immediate ones, and tslab, which does not wait for its sends, then failed
// with EBUSY and stopped replying. bin/tslab-kernel.js keeps every send immediate.

const LINES = 2000;

test('2,000 printed lines all arrive', async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-many-outputs-'));
  try {
    const notebookPath = writeNotebook(folder, 'many.ipynb', [
      codeCell(`for (let i = 0; i < ${LINES}; i++) console.log('line ' + i);`),
      codeCell("console.log('still answering');"),
    ]);
    const outputPath = path.join(folder, 'out', 'many.ipynb');
    await runNotebook({ notebookPath, outputPath, timeoutMs: 60_000, shutdownGraceMs: 1000 });
    const executed = parseNotebook(fs.readFileSync(outputPath, 'utf8'), outputPath);
    const text = (index: number) =>
      (executed.cells[index].outputs ?? []).map((output) => (Array.isArray(output.text) ? output.text.join('') : String(output.text ?? ''))).join('');
    const lines = text(0).split('\n').filter((line) => line.startsWith('line '));
    assert.is(lines.length, LINES);
    assert.is(lines[LINES - 1], `line ${LINES - 1}`);
    assert.is(text(1), 'still answering\n');
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});

test.run();
