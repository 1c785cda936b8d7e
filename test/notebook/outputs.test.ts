import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Notebook } from '../../kernel-lib/notebook/nbformat';
import { NotebookOutputs, applyControlCharacters } from '../../kernel-lib/notebook/outputs';
import { JupyterMessage, createMessage } from '../../kernel-lib/notebook/wire';

function notebookWithCodeCells(count: number): Notebook {
  const cells = Array.from({ length: count }, () => ({ cell_type: 'code' as const, metadata: {}, source: '', outputs: [], execution_count: null }));
  return { cells, metadata: {}, nbformat: 4, nbformat_minor: 5 };
}

function message(msgType: string, content: Record<string, unknown>): JupyterMessage {
  return createMessage(msgType, content, { session: 'test' }) as JupyterMessage;
}

const stdout = (text: string) => message('stream', { name: 'stdout', text });
const stderr = (text: string) => message('stream', { name: 'stderr', text });
const display = (text: string, displayId?: string) =>
  message('display_data', { data: { 'text/plain': text }, metadata: {}, transient: displayId ? { display_id: displayId } : {} });

test('consecutive streams of one name merge', () => {
  const notebook = notebookWithCodeCells(1);
  const outputs = new NotebookOutputs(notebook);
  outputs.apply(0, stdout('a\n'));
  outputs.apply(0, stdout('b\n'));
  outputs.apply(0, stderr('e\n'));
  outputs.apply(0, stdout('c\n'));
  assert.equal(notebook.cells[0].outputs, [
    { output_type: 'stream', name: 'stdout', text: 'a\nb\n' },
    { output_type: 'stream', name: 'stderr', text: 'e\n' },
    { output_type: 'stream', name: 'stdout', text: 'c\n' },
  ]);
});

test('carriage return overwrites across merged chunks', () => {
  const notebook = notebookWithCodeCells(1);
  const outputs = new NotebookOutputs(notebook);
  outputs.apply(0, stdout('10%\r'));
  outputs.apply(0, stdout('50%\r'));
  outputs.apply(0, stdout('\n'));
  assert.is(notebook.cells[0].outputs?.[0].text, '50%\n');
});

test('control characters follow terminal rules', () => {
  assert.is(applyControlCharacters('abc\x08d'), 'abd');
  assert.is(applyControlCharacters('one\rtwo\nthree'), 'two\nthree');
  assert.is(applyControlCharacters('x\r\ny'), 'x\ny');
});

test('clear_output without wait clears at once', () => {
  const notebook = notebookWithCodeCells(1);
  const outputs = new NotebookOutputs(notebook);
  outputs.apply(0, stdout('old\n'));
  outputs.apply(0, message('clear_output', { wait: false }));
  assert.equal(notebook.cells[0].outputs, []);
});

test('clear_output with wait clears on next output', () => {
  const notebook = notebookWithCodeCells(1);
  const outputs = new NotebookOutputs(notebook);
  outputs.apply(0, stdout('old\n'));
  outputs.apply(0, message('clear_output', { wait: true }));
  assert.is(notebook.cells[0].outputs?.length, 1);
  outputs.apply(0, stdout('new\n'));
  assert.equal(notebook.cells[0].outputs, [{ output_type: 'stream', name: 'stdout', text: 'new\n' }]);
});

test('update_display_data replaces in another cell', () => {
  const notebook = notebookWithCodeCells(2);
  const outputs = new NotebookOutputs(notebook);
  outputs.apply(0, display('draft', 'd1'));
  outputs.apply(0, display('other', 'd2'));
  outputs.apply(1, message('update_display_data', { data: { 'text/plain': 'final' }, metadata: {}, transient: { display_id: 'd1' } }));
  assert.equal(
    notebook.cells[0].outputs?.map((output) => output.data),
    [{ 'text/plain': 'final' }, { 'text/plain': 'other' }],
  );
  assert.equal(notebook.cells[1].outputs, []);
});

test('update of unknown display changes nothing', () => {
  const notebook = notebookWithCodeCells(1);
  const outputs = new NotebookOutputs(notebook);
  outputs.apply(0, display('shown', 'd1'));
  outputs.apply(0, message('update_display_data', { data: { 'text/plain': 'x' }, metadata: {}, transient: { display_id: 'nope' } }));
  assert.equal(notebook.cells[0].outputs?.[0].data, { 'text/plain': 'shown' });
});

test('display cleared from its cell is not updated', () => {
  const notebook = notebookWithCodeCells(2);
  const outputs = new NotebookOutputs(notebook);
  outputs.apply(0, display('shown', 'd1'));
  outputs.apply(0, message('clear_output', { wait: false }));
  outputs.apply(1, display('again', 'd1'));
  outputs.apply(1, message('update_display_data', { data: { 'text/plain': 'new' }, metadata: {}, transient: { display_id: 'd1' } }));
  assert.equal(notebook.cells[0].outputs, []);
  assert.equal(notebook.cells[1].outputs?.[0].data, { 'text/plain': 'new' });
});

test('execute_result keeps its execution count', () => {
  const notebook = notebookWithCodeCells(1);
  new NotebookOutputs(notebook).apply(0, message('execute_result', { data: { 'text/plain': '2' }, metadata: {}, execution_count: 4 }));
  assert.equal(notebook.cells[0].outputs, [{ output_type: 'execute_result', data: { 'text/plain': '2' }, metadata: {}, execution_count: 4 }]);
});

test('output for a markdown cell is an error', () => {
  const notebook: Notebook = { cells: [{ cell_type: 'markdown', metadata: {}, source: '' }], metadata: {}, nbformat: 4, nbformat_minor: 5 };
  assert.throws(() => new NotebookOutputs(notebook).apply(0, stdout('x')), /NotebookOutputs.apply: index 0 is not a code cell/);
});

test.run();
