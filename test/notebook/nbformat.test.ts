import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Notebook, parseNotebook, readNotebook, serializeNotebook, splitLines } from '../../kernel-lib/notebook/nbformat';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-nbformat-'));
test.after(() => fs.rmSync(work, { recursive: true, force: true }));

test('splitLines keeps the line breaks', () => {
  // Expected values from Python: "a\nb\r\nc\rd".splitlines(True).
  assert.equal(splitLines('a\nb\r\nc\rd'), ['a\n', 'b\r\n', 'c\r', 'd']);
});

test('splitLines of empty text is empty', () => {
  assert.equal(splitLines(''), []);
});

test('serializeNotebook writes as nbformat.write does', () => {
  const notebook: Notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { b: 1, a: 2 },
    cells: [
      {
        cell_type: 'code',
        id: 'c1',
        metadata: {},
        source: 'x\ny',
        execution_count: 1,
        outputs: [
          { output_type: 'stream', name: 'stdout', text: 'one\ntwo\n' },
          { output_type: 'display_data', metadata: {}, data: { 'text/plain': 'p\nq', 'application/json': { k: 1 }, 'application/vnd.x+json': 'a\nb' } },
        ],
      },
    ],
  };
  // Written by hand from nbformat 5.x's writer: sort_keys=True, indent=1, lists of lines for
  // source, stream text and non-JSON mime values, and a trailing newline.
  const expected = [
    '{',
    ' "cells": [',
    '  {',
    '   "cell_type": "code",',
    '   "execution_count": 1,',
    '   "id": "c1",',
    '   "metadata": {},',
    '   "outputs": [',
    '    {',
    '     "name": "stdout",',
    '     "output_type": "stream",',
    '     "text": [',
    '      "one\\n",',
    '      "two\\n"',
    '     ]',
    '    },',
    '    {',
    '     "data": {',
    '      "application/json": {',
    '       "k": 1',
    '      },',
    '      "application/vnd.x+json": "a\\nb",',
    '      "text/plain": [',
    '       "p\\n",',
    '       "q"',
    '      ]',
    '     },',
    '     "metadata": {},',
    '     "output_type": "display_data"',
    '    }',
    '   ],',
    '   "source": [',
    '    "x\\n",',
    '    "y"',
    '   ]',
    '  }',
    ' ],',
    ' "metadata": {',
    '  "a": 2,',
    '  "b": 1',
    ' },',
    ' "nbformat": 4,',
    ' "nbformat_minor": 5',
    '}',
    '',
  ].join('\n');
  assert.fixture(serializeNotebook(notebook), expected);
});

test('written notebook reads back equal', () => {
  const notebook: Notebook = { nbformat: 4, nbformat_minor: 4, metadata: {}, cells: [{ cell_type: 'markdown', metadata: {}, source: '# T\ntext' }] };
  const file = path.join(work, 'round-trip.ipynb');
  fs.writeFileSync(file, serializeNotebook(notebook));
  const read = readNotebook(file);
  assert.is(read.cells[0].cell_type, 'markdown');
  assert.equal(read.cells[0].source, ['# T\n', 'text']);
});

test('missing file names the path', () => {
  const file = path.join(work, 'absent.ipynb');
  assert.throws(() => readNotebook(file), new RegExp(`readNotebook: cannot read ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(file not found\\); check the path`));
});

test('text that is not JSON is rejected', () => {
  assert.throws(() => parseNotebook('{"cells": [', 'x.ipynb'), /parseNotebook: x.ipynb is not valid JSON .*; pass an .ipynb file saved by Jupyter/);
});

test('nbformat 3 is rejected', () => {
  assert.throws(() => parseNotebook('{"nbformat": 3, "nbformat_minor": 0, "worksheets": []}', 'old.ipynb'), /old.ipynb has nbformat 3, but only nbformat 4 is supported/);
});

test('unknown cell type is rejected', () => {
  const text = JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: 'heading', source: '' }] });
  assert.throws(() => parseNotebook(text, 'h.ipynb'), /cell at index 0 of h.ipynb has cell_type "heading"; expected one of code, markdown, raw/);
});

test('code cell without outputs gets empty ones', () => {
  const text = JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: 'code', source: '1' }] });
  const cell = parseNotebook(text, 'n.ipynb').cells[0];
  assert.equal(cell.outputs, []);
  assert.is(cell.execution_count, null);
});

test.run();
