/**
 * Applies output messages to the cells of a notebook the way a Jupyter front end does:
 *
 * - consecutive stream outputs of the same name (stdout or stderr) merge into one, and in the
 *   merged text a carriage return overwrites its line and a backspace deletes the character
 *   before it, as JupyterLab's output area does;
 * - `clear_output` clears at once, or with `wait: true` just before the cell's next output;
 * - `update_display_data` replaces the data of every output that was shown with the same
 *   `transient.display_id`, in whichever cell it is.
 */
import { JupyterMessage } from './wire';
import { Notebook, NotebookOutput, outputFromMessage } from './nbformat';

interface DisplayLocation {
  cellIndex: number;
  output: NotebookOutput;
}

export class NotebookOutputs {
  private readonly clearPending = new Set<number>();
  private readonly displays = new Map<string, DisplayLocation[]>();
  /** Stream text as received; the stored text is this with the control characters applied. */
  private readonly rawStreamText = new WeakMap<NotebookOutput, string>();

  /** Writes into the `outputs` arrays of `notebook`'s code cells. */
  constructor(private readonly notebook: Notebook) {}

  /** Applies one output message to the code cell at `cellIndex` (an index into notebook.cells). */
  apply(cellIndex: number, message: JupyterMessage): void {
    const cell = this.notebook.cells[cellIndex];
    if (cell === undefined || cell.cell_type !== 'code') {
      throw new Error(`NotebookOutputs.apply: index ${cellIndex} is not a code cell of the notebook`);
    }
    const outputs = (cell.outputs ??= []);
    const type = message.header.msg_type;
    const content = message.content;

    if (type === 'clear_output') {
      if (content.wait === true) this.clearPending.add(cellIndex);
      else this.clear(cellIndex);
      return;
    }
    if (type === 'update_display_data') {
      this.updateDisplay(content);
      return;
    }

    const output = outputFromMessage(type, content);
    if (output === null) return;
    if (this.clearPending.delete(cellIndex)) this.clear(cellIndex);

    const last = outputs[outputs.length - 1];
    if (output.output_type === 'stream') {
      const text = String(output.text);
      if (last?.output_type === 'stream' && last.name === output.name) {
        // Merged from the raw text, so that "50%\r" followed by "\n" keeps "50%" as a terminal would.
        const raw = (this.rawStreamText.get(last) ?? String(last.text)) + text;
        this.rawStreamText.set(last, raw);
        last.text = applyControlCharacters(raw);
        return;
      }
      this.rawStreamText.set(output, text);
      output.text = applyControlCharacters(text);
    }
    outputs.push(output);

    const displayId = readDisplayId(content);
    if (displayId !== null && output.output_type === 'display_data') {
      const locations = this.displays.get(displayId) ?? [];
      locations.push({ cellIndex, output });
      this.displays.set(displayId, locations);
    }
  }

  private clear(cellIndex: number): void {
    // Emptied in place, because apply() keeps a reference to the array.
    this.notebook.cells[cellIndex].outputs?.splice(0);
    for (const [displayId, locations] of this.displays) {
      const kept = locations.filter((location) => location.cellIndex !== cellIndex);
      if (kept.length > 0) this.displays.set(displayId, kept);
      else this.displays.delete(displayId);
    }
  }

  private updateDisplay(content: Record<string, unknown>): void {
    const displayId = readDisplayId(content);
    // An update for a display that no cell shows changes nothing, as in Jupyter.
    if (displayId === null) return;
    for (const { output } of this.displays.get(displayId) ?? []) {
      output.data = content.data ?? {};
      output.metadata = content.metadata ?? {};
    }
  }
}

function readDisplayId(content: Record<string, unknown>): string | null {
  const transient = content.transient as Record<string, unknown> | undefined;
  return typeof transient?.display_id === 'string' ? transient.display_id : null;
}

/**
 * Applies the terminal controls that progress bars use: each backspace deletes the character
 * before it, CR LF becomes LF, and a line's text up to its last carriage return is dropped.
 */
export function applyControlCharacters(text: string): string {
  let previous: string;
  do {
    previous = text;
    text = text.replace(/[^\n\x08]\x08/g, '');
  } while (text !== previous);
  text = text.replace(/\r+\n/g, '\n');
  return text.replace(/^.*\r+/gm, '');
}
