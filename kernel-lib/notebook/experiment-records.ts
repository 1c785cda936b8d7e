import { Notebook } from './nbformat';

/** MIME type of the record that `showExperiment` leaves in a notebook: which experiment run it worked in. */
export const EXPERIMENT_MIME_TYPE = 'application/vnd.medsynth.experiment+json';

/**
 * Collects the experiment records from the outputs of an executed notebook, one per run
 * directory (the last record of a directory wins), in the order they first appear.
 */
export function collectExperimentRecords(notebook: Notebook): Record<string, unknown>[] {
  const byRunDir = new Map<string, Record<string, unknown>>();
  for (const cell of notebook.cells) {
    for (const output of cell.outputs ?? []) {
      const data = (output as { data?: Record<string, unknown> }).data;
      const record = data?.[EXPERIMENT_MIME_TYPE];
      if (record === null || typeof record !== 'object' || Array.isArray(record)) continue;
      const runDir = String((record as Record<string, unknown>).runDir ?? '');
      byRunDir.set(runDir, record as Record<string, unknown>);
    }
  }
  return [...byRunDir.values()];
}
