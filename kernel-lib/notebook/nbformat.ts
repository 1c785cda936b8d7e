/**
 * Reads, validates and writes Jupyter notebooks in nbformat 4, and turns iopub messages into
 * nbformat output objects. Only the fields this runner uses are checked; the others are kept as
 * they are.
 */
import * as fs from 'fs';

export const CELL_TYPES = ['code', 'markdown', 'raw'] as const;
export type CellType = (typeof CELL_TYPES)[number];

/** An nbformat 4 output: stream, display_data, execute_result or error. */
export interface NotebookOutput {
  output_type: 'stream' | 'display_data' | 'execute_result' | 'error';
  [field: string]: unknown;
}

export interface NotebookCell {
  cell_type: CellType;
  id?: string;
  metadata: { tags?: string[]; [field: string]: unknown };
  /** A string, or a list of lines that joins into one. */
  source: string | string[];
  /** Code cells only. */
  outputs?: NotebookOutput[];
  /** Code cells only; null before the cell runs. */
  execution_count?: number | null;
  [field: string]: unknown;
}

export interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
  nbformat: 4;
  nbformat_minor: number;
}

/** Returns a cell's source as one string. */
export function cellSource(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}

/** Returns whether the cell's metadata.tags contains `tag`. */
export function hasTag(cell: NotebookCell, tag: string): boolean {
  return Array.isArray(cell.metadata?.tags) && cell.metadata.tags.includes(tag);
}

/**
 * Parses and validates notebook JSON. `label` names the source (a path) in error messages.
 * Throws when the text is not JSON, not nbformat 4, or a cell lacks a valid cell_type or source.
 */
export function parseNotebook(text: string, label: string): Notebook {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`parseNotebook: ${label} is not valid JSON (${(err as Error).message}); pass an .ipynb file saved by Jupyter`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`parseNotebook: ${label} must contain a JSON object, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
  }
  const notebook = value as Record<string, unknown>;
  if (notebook.nbformat !== 4) {
    throw new Error(
      `parseNotebook: ${label} has nbformat ${JSON.stringify(notebook.nbformat)}, but only nbformat 4 is supported; ` +
        'convert it with `jupyter nbconvert --to notebook --nbformat 4`',
    );
  }
  if (!Number.isInteger(notebook.nbformat_minor)) {
    throw new Error(`parseNotebook: ${label} has no integer nbformat_minor, got ${JSON.stringify(notebook.nbformat_minor)}`);
  }
  if (!Array.isArray(notebook.cells)) {
    throw new Error(`parseNotebook: ${label} has no \`cells\` array; the file is not a notebook`);
  }
  notebook.cells.forEach((cell, index) => validateCell(cell, index, label));
  if (notebook.metadata === undefined) notebook.metadata = {};
  return notebook as unknown as Notebook;
}

function validateCell(value: unknown, index: number, label: string): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`parseNotebook: cell at index ${index} of ${label} must be an object, got ${JSON.stringify(value)}`);
  }
  const cell = value as Record<string, unknown>;
  if (!(CELL_TYPES as readonly unknown[]).includes(cell.cell_type)) {
    throw new Error(`parseNotebook: cell at index ${index} of ${label} has cell_type ${JSON.stringify(cell.cell_type)}; expected one of ${CELL_TYPES.join(', ')}`);
  }
  const source = cell.source;
  const sourceIsValid = typeof source === 'string' || (Array.isArray(source) && source.every((line) => typeof line === 'string'));
  if (!sourceIsValid) {
    throw new Error(`parseNotebook: cell at index ${index} of ${label} must have a string or string-array \`source\``);
  }
  if (cell.metadata === undefined) cell.metadata = {};
  if (cell.cell_type === 'code') {
    if (cell.outputs === undefined) cell.outputs = [];
    if (!Array.isArray(cell.outputs)) {
      throw new Error(`parseNotebook: code cell at index ${index} of ${label} has \`outputs\` that is not an array`);
    }
    if (cell.execution_count === undefined) cell.execution_count = null;
  }
}

/** Reads and validates the notebook at `filePath`. The error states whether the file is missing or malformed. */
export function readNotebook(filePath: string): Notebook {
  let text: string;
  try {
    text = fs.readFileSync(filePath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : (err as Error).message;
    throw new Error(`readNotebook: cannot read ${filePath} (${reason}); check the path`);
  }
  return parseNotebook(text, filePath);
}

/**
 * Serialises a notebook as Jupyter's nbformat.write does: keys sorted, 1-space indentation,
 * multi-line strings split into lists of lines (cell sources, stream text, and non-JSON data
 * values), and a trailing newline.
 */
export function serializeNotebook(notebook: Notebook): string {
  const copy = JSON.parse(JSON.stringify(notebook)) as Notebook;
  for (const cell of copy.cells) {
    cell.source = splitLines(cellSource(cell));
    for (const output of cell.outputs ?? []) splitOutputLines(output);
  }
  return JSON.stringify(sortKeys(copy), null, 1) + '\n';
}

function splitOutputLines(output: NotebookOutput): void {
  if (output.output_type === 'stream' && typeof output.text === 'string') {
    output.text = splitLines(output.text);
  }
  const data = output.data as Record<string, unknown> | undefined;
  if ((output.output_type === 'display_data' || output.output_type === 'execute_result') && data) {
    for (const [mime, value] of Object.entries(data)) {
      if (typeof value === 'string' && !isJsonMime(mime)) data[mime] = splitLines(value);
    }
  }
}

/** JSON mime types keep their value as JSON, never split into lines (nbformat's `_is_json_mime`). */
function isJsonMime(mime: string): boolean {
  return mime === 'application/json' || (mime.startsWith('application/') && mime.endsWith('+json'));
}

/** Splits text after each line break, keeping the breaks, at the same characters as Python's str.splitlines. */
export function splitLines(text: string): string[] {
  return text.match(/[^\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]*(?:\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]|$)/g)?.filter((line) => line !== '') ?? [];
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
  return sorted;
}

/**
 * Converts an output message (stream, display_data, execute_result or error) into an nbformat
 * output; returns null for any other message type. `transient` fields such as display_id are
 * not stored, as nbformat specifies.
 */
export function outputFromMessage(msgType: string, content: Record<string, unknown>): NotebookOutput | null {
  switch (msgType) {
    case 'stream':
      return { output_type: 'stream', name: content.name, text: typeof content.text === 'string' ? content.text : '' };
    case 'display_data':
      return { output_type: 'display_data', data: content.data ?? {}, metadata: content.metadata ?? {} };
    case 'execute_result':
      return {
        output_type: 'execute_result',
        data: content.data ?? {},
        metadata: content.metadata ?? {},
        execution_count: typeof content.execution_count === 'number' ? content.execution_count : null,
      };
    case 'error':
      return {
        output_type: 'error',
        ename: String(content.ename ?? ''),
        evalue: String(content.evalue ?? ''),
        traceback: Array.isArray(content.traceback) ? content.traceback.map(String) : [],
      };
    default:
      return null;
  }
}
