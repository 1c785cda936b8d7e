import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Notebook, NotebookCell, cellSource } from '../../kernel-lib/notebook/nbformat';
import { findParameterDeclarations, injectParameters, parseParameterAssignment, parseParameterValue } from '../../kernel-lib/notebook/parameters';

function code(source: string, tags?: string[]): NotebookCell {
  return { cell_type: 'code', metadata: tags ? { tags } : {}, source, outputs: [], execution_count: null };
}

function notebook(cells: NotebookCell[], nbformatMinor = 5): Notebook {
  return { cells, metadata: {}, nbformat: 4, nbformat_minor: nbformatMinor };
}

const PARAMETERS_SOURCE = "let seed = 0;\nlet lr: number = 1e-3, name = 'demo';\nvar widths = [8, 16];";

test('values that parse as JSON become JSON', () => {
  assert.is(parseParameterValue('3'), 3);
  assert.is(parseParameterValue('1e-3'), 0.001);
  assert.is(parseParameterValue('true'), true);
  assert.is(parseParameterValue('null'), null);
  assert.is(parseParameterValue('"x y"'), 'x y');
  assert.equal(parseParameterValue('[1,2]'), [1, 2]);
});

test('values that do not parse stay strings', () => {
  assert.is(parseParameterValue('demo'), 'demo');
  assert.is(parseParameterValue('007'), '007');
  assert.is(parseParameterValue(''), '');
});

test('assignment splits at the first equals sign', () => {
  assert.equal(parseParameterAssignment('note=a=b'), { name: 'note', value: 'a=b' });
});

test('assignment without equals sign is rejected', () => {
  assert.throws(() => parseParameterAssignment('seed'), /parseParameterAssignment: expected name=value, got "seed"; for example -p seed=3/);
});

test('assignment with invalid name is rejected', () => {
  assert.throws(() => parseParameterAssignment('2x=1'), /"2x" in "2x=1" is not a valid parameter name/);
});

test('declarations are found with their keyword', () => {
  const found = findParameterDeclarations(PARAMETERS_SOURCE + "\nconst fixed = 1;\nconst { a, b: [c] } = { a: 1, b: [2] };\nif (true) { let inner = 1; }");
  assert.equal(
    found.map((declaration) => `${declaration.kind} ${declaration.name}`),
    ['let seed', 'let lr', 'let name', 'var widths', 'const fixed', 'const a', 'const c'],
  );
  assert.is(found[0].initializer, '0');
});

test('injected cell follows the parameters cell', () => {
  const source = notebook([code('console.log(1);'), code(PARAMETERS_SOURCE, ['parameters']), code('console.log(seed);')]);
  const { notebook: injected, parametersCellIndex, injectedCellIndex } = injectParameters(source, { seed: 3, name: 'x', widths: [4, 4] });
  assert.is(parametersCellIndex, 1);
  assert.is(injectedCellIndex, 2);
  assert.is(injected.cells.length, 4);
  const cell = injected.cells[2];
  assert.equal(cell.metadata.tags, ['injected-parameters']);
  assert.is(cell.id, 'injected-parameters');
  assert.is(cellSource(injected.cells[3]), 'console.log(seed);');
  const lines = cellSource(cell).split('\n');
  assert.equal(lines.slice(1, 4), ['seed = 3;', 'name = "x";', 'widths = [4,4];']);
});

test('injected cell ends with a statement', () => {
  // tslab prints the value of a cell's last expression statement, which an assignment is.
  const { notebook: injected } = injectParameters(notebook([code('let seed = 0;', ['parameters'])]), { seed: 3 });
  const lines = cellSource(injected.cells[1]).split('\n');
  assert.match(lines[lines.length - 1], /^;/);
});

test('injection leaves the source notebook unchanged', () => {
  const source = notebook([code('let seed = 0;', ['parameters'])]);
  const before = JSON.stringify(source);
  injectParameters(source, { seed: 3 });
  assert.is(JSON.stringify(source), before);
});

test('existing injected cell is replaced', () => {
  const source = notebook([code('let seed = 0;', ['parameters']), code('seed = 1;', ['injected-parameters']), code('console.log(seed);')]);
  const { notebook: injected } = injectParameters(source, { seed: 7 });
  const tagged = injected.cells.filter((cell) => cell.metadata.tags?.includes('injected-parameters'));
  assert.is(tagged.length, 1);
  assert.is(injected.cells.length, 3);
  assert.match(cellSource(injected.cells[1]), /^seed = 7;$/m);
});

test('cell id stays unique', () => {
  const parameters = code('let seed = 0;', ['parameters']);
  const other = { ...code('1'), id: 'injected-parameters' };
  const { notebook: injected } = injectParameters(notebook([parameters, other]), { seed: 1 });
  assert.is(injected.cells[1].id, 'injected-parameters-2');
});

test('nbformat 4.4 cells get no id', () => {
  const { notebook: injected } = injectParameters(notebook([code('let seed = 0;', ['parameters'])], 4), { seed: 1 });
  assert.is(injected.cells[1].id, undefined);
});

test('unknown name is rejected with declared names', () => {
  const source = notebook([code(PARAMETERS_SOURCE, ['parameters'])]);
  assert.throws(
    () => injectParameters(source, { sede: 1 }),
    /parameter 'sede' is not declared in the parameters cell \(index 0\); declared parameters: seed, lr, name, widths/,
  );
});

test('const parameter is rejected', () => {
  const source = notebook([code('const seed = 0;', ['parameters'])]);
  assert.throws(() => injectParameters(source, { seed: 1 }), /parameter 'seed' is declared with const .*; declare it with let/);
});

test('parameters without parameters cell are rejected', () => {
  const source = notebook([code('let seed = 0;')]);
  assert.throws(() => injectParameters(source, { seed: 1 }), /no code cell tagged 'parameters', so seed cannot be set/);
});

test('no parameters leaves cells as they are', () => {
  const source = notebook([code('let seed = 0;')]);
  const { notebook: copy, injectedCellIndex } = injectParameters(source, {});
  assert.is(injectedCellIndex, null);
  assert.equal(copy, source);
});

test.run();
