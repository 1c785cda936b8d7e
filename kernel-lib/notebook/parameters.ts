/**
 * Notebook parameters in the papermill convention. The code cell tagged `parameters` declares
 * each parameter with `let`, and a run injects a cell tagged `injected-parameters` right after
 * it that assigns the new values (`seed = 3;`). The parameters cell keeps its defaults, and the
 * notebook records which values the run used.
 */
import type * as TypeScript from 'typescript';
import { Notebook, NotebookCell, cellSource, hasTag } from './nbformat';

export const PARAMETERS_TAG = 'parameters';
export const INJECTED_PARAMETERS_TAG = 'injected-parameters';

/** A parameter value: anything JSON can express. */
export type ParameterValue = null | boolean | number | string | ParameterValue[] | { [key: string]: ParameterValue };

export const DECLARATION_KINDS = ['let', 'var', 'const'] as const;
export type DeclarationKind = (typeof DECLARATION_KINDS)[number];

/** A top-level variable declared in a parameters cell. */
export interface ParameterDeclaration {
  name: string;
  kind: DeclarationKind;
  /** Source text of the initializer, or null for `let name;`. */
  initializer: string | null;
}

/** A parameters cell and its declarations. */
export interface ParametersCell {
  /** Index in notebook.cells. */
  index: number;
  declarations: ParameterDeclaration[];
}

/** The result of injectParameters: a new notebook and where the cells are in it. */
export interface InjectedNotebook {
  notebook: Notebook;
  parametersCellIndex: number;
  /** Index of the injected cell in the new notebook, or null when no parameters were given. */
  injectedCellIndex: number | null;
}

/**
 * Parses the value of `-p name=value`: as JSON when it parses (numbers, booleans, null, quoted
 * strings, arrays, objects), else as the string itself. So `-p lr=1e-3` is a number, `-p name=x`
 * and `-p name='"x"'` are both the string "x", and `-p tag=007` is the string "007".
 */
export function parseParameterValue(text: string): ParameterValue {
  if (typeof text !== 'string') {
    throw new Error(`parseParameterValue: \`text\` must be a string, got ${typeof text}`);
  }
  try {
    return JSON.parse(text) as ParameterValue;
  } catch {
    return text;
  }
}

/** Matches a JavaScript identifier made of ASCII letters, digits, `_` and `$`. */
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Parses `name=value` (the argument of `-p`) into a name and a value parsed by parseParameterValue. */
export function parseParameterAssignment(text: string): { name: string; value: ParameterValue } {
  const separator = typeof text === 'string' ? text.indexOf('=') : -1;
  if (separator < 0) {
    throw new Error(`parseParameterAssignment: expected name=value, got ${JSON.stringify(text)}; for example -p seed=3`);
  }
  const name = text.slice(0, separator).trim();
  if (!IDENTIFIER.test(name)) {
    throw new Error(
      `parseParameterAssignment: ${JSON.stringify(name)} in ${JSON.stringify(text)} is not a valid parameter name; ` +
        'use the variable name declared in the parameters cell, such as seed',
    );
  }
  return { name, value: parseParameterValue(text.slice(separator + 1)) };
}

/**
 * Finds the variables declared at the top level of a cell's TypeScript source, with the
 * keyword that declared them. Names inside destructuring patterns count too. Uses the
 * TypeScript parser of the `typescript` package, which tslab needs as well.
 */
export function findParameterDeclarations(source: string): ParameterDeclaration[] {
  const ts = loadTypeScript();
  const file = ts.createSourceFile('parameters.ts', source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const declarations: ParameterDeclaration[] = [];
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    const flags = statement.declarationList.flags;
    let kind: DeclarationKind = 'var';
    if (flags & ts.NodeFlags.Let) kind = 'let';
    // `using` and `await using` declarations cannot be reassigned either.
    if (flags & (ts.NodeFlags.Const | ts.NodeFlags.Using)) kind = 'const';
    for (const declaration of statement.declarationList.declarations) {
      const initializer = declaration.initializer ? declaration.initializer.getText(file) : null;
      for (const name of bindingNames(ts, declaration.name)) declarations.push({ name, kind, initializer });
    }
  }
  return declarations;
}

function bindingNames(ts: typeof TypeScript, name: TypeScript.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  const names: string[] = [];
  for (const element of name.elements) {
    if (ts.isBindingElement(element)) names.push(...bindingNames(ts, element.name));
  }
  return names;
}

function loadTypeScript(): typeof TypeScript {
  try {
    // Loaded on first use, so that importing the library does not load the compiler.
    return require('typescript') as typeof TypeScript;
  } catch (err) {
    throw new Error(`findParameterDeclarations: the typescript package cannot be loaded (${(err as Error).message}); run \`npm ci\` to install the devDependencies`);
  }
}

/** Returns the first code cell tagged `parameters` with its declarations, or null when there is none. */
export function findParametersCell(notebook: Notebook): ParametersCell | null {
  const index = notebook.cells.findIndex((cell) => cell.cell_type === 'code' && hasTag(cell, PARAMETERS_TAG));
  if (index < 0) return null;
  return { index, declarations: findParameterDeclarations(cellSource(notebook.cells[index])) };
}

/**
 * Returns a copy of `notebook` with a code cell tagged `injected-parameters` right after the
 * parameters cell, assigning each parameter as a JSON literal (`seed = 3;`). Any earlier
 * injected-parameters cell is removed. With no parameters the notebook is copied unchanged.
 *
 * Throws when the notebook has no parameters cell, when a name is not declared there (the
 * message lists the declared names), or when a name is declared with `const`, which an
 * assignment cannot change.
 */
export function injectParameters(notebook: Notebook, parameters: Record<string, ParameterValue>): InjectedNotebook {
  if (parameters === null || typeof parameters !== 'object' || Array.isArray(parameters)) {
    throw new Error(`injectParameters: \`parameters\` must be an object of name: value, got ${JSON.stringify(parameters)}`);
  }
  const copy = JSON.parse(JSON.stringify(notebook)) as Notebook;
  const names = Object.keys(parameters);
  const found = findParametersCell(copy);
  if (names.length === 0) {
    return { notebook: copy, parametersCellIndex: found?.index ?? -1, injectedCellIndex: null };
  }
  if (found === null) {
    throw new Error(
      `injectParameters: the notebook has no code cell tagged '${PARAMETERS_TAG}', so ${names.join(', ')} cannot be set; ` +
        `add the tag '${PARAMETERS_TAG}' to the metadata of the cell that declares them with let`,
    );
  }
  checkParameterNames(names, found);

  const parametersCell = copy.cells[found.index];
  copy.cells = copy.cells.filter((cell) => !hasTag(cell, INJECTED_PARAMETERS_TAG));
  const parametersCellIndex = copy.cells.indexOf(parametersCell);
  const injected = createInjectedCell(copy, parameters);
  copy.cells.splice(parametersCellIndex + 1, 0, injected);
  return { notebook: copy, parametersCellIndex, injectedCellIndex: parametersCellIndex + 1 };
}

function checkParameterNames(names: string[], parametersCell: ParametersCell): void {
  const declared = new Map(parametersCell.declarations.map((declaration) => [declaration.name, declaration]));
  for (const name of names) {
    if (!IDENTIFIER.test(name)) {
      throw new Error(`injectParameters: ${JSON.stringify(name)} is not a valid parameter name; use the variable name declared in the parameters cell`);
    }
    const declaration = declared.get(name);
    if (declaration === undefined) {
      const list = [...declared.keys()].join(', ') || '(none)';
      throw new Error(
        `injectParameters: parameter '${name}' is not declared in the parameters cell (index ${parametersCell.index}); ` +
          `declared parameters: ${list}. Check the name, or declare it there with let`,
      );
    }
    if (declaration.kind === 'const') {
      throw new Error(
        `injectParameters: parameter '${name}' is declared with const in the parameters cell (index ${parametersCell.index}), ` +
          'so the injected assignment would fail; declare it with let',
      );
    }
  }
}

function createInjectedCell(notebook: Notebook, parameters: Record<string, ParameterValue>): NotebookCell {
  const lines = ['// Parameters injected by medsynth notebook run.'];
  for (const [name, value] of Object.entries(parameters)) lines.push(`${name} = ${JSON.stringify(value)};`);
  // tslab prints the value of a cell's last expression statement; an empty statement ends the cell instead.
  lines.push('; // ends the cell with a statement, so that the kernel does not print the last value');
  const cell: NotebookCell = {
    cell_type: 'code',
    metadata: { tags: [INJECTED_PARAMETERS_TAG] },
    source: lines.join('\n'),
    outputs: [],
    execution_count: null,
  };
  // Cell ids exist from nbformat 4.5 on and must be unique within the notebook.
  if (notebook.nbformat_minor >= 5) cell.id = uniqueCellId(notebook, INJECTED_PARAMETERS_TAG);
  return cell;
}

function uniqueCellId(notebook: Notebook, base: string): string {
  const taken = new Set(notebook.cells.map((cell) => cell.id));
  let id = base;
  for (let suffix = 2; taken.has(id); suffix++) id = `${base}-${suffix}`;
  return id;
}
