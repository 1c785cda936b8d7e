import * as os from 'os';
import * as path from 'path';
import { findProjectRoot } from '../data/registry';
import { ReportImageSource } from './report-image-data';
import { ReportImageProgress } from './report-image-experiment';

/**
 * Run folder of the report experiment when none is given: `experiments/runs/notebooks-report-image`
 * for the phantoms, and a folder in the system's temporary directory for licensed reports, whose
 * derived models and texts must stay outside the repository.
 */
export function reportImageRunDirectory(source: ReportImageSource, runDir: string | null): string {
  if (runDir !== null) {
    const resolved = path.resolve(runDir);
    if (source.kind === 'iu-xray') {
      const relative = path.relative(findProjectRoot('reportImageRunDirectory'), resolved);
      if (!relative.startsWith('..') && !path.isAbsolute(relative)) {
        throw new Error(
          `reportImageRunDirectory: ${resolved} is inside the project; models and texts derived from CC BY-NC-ND reports ` +
            'must not be committed, so write the run outside it (e.g. /tmp/report-image-run)',
        );
      }
    }
    return resolved;
  }
  if (source.kind === 'iu-xray') return path.join(os.tmpdir(), 'medsynth-report-image');
  return path.join(findProjectRoot('reportImageRunDirectory'), 'experiments', 'runs', 'notebooks-report-image');
}

/** A progress display as the CLI's bars and the notebook's live output both provide it. */
export type StageBarFactory = (label: string, total: number, unit: string) => { update(value: number, status: string): void; stop(): void };

/** Turns stage progress into one display per stage, opened on the stage's first report. */
export function reportImageProgressBars(factory: StageBarFactory): { onProgress: (p: ReportImageProgress) => void; stop: () => void } {
  let bar: ReturnType<StageBarFactory> | null = null;
  let stage = '';
  const units: Record<ReportImageProgress['stage'], string> = { clip: 'steps', diffusion: 'steps', classifier: 'epochs', generation: 'images' };
  return {
    onProgress(p) {
      if (p.stage !== stage) {
        bar?.stop();
        bar = factory(p.stage === 'clip' ? 'CLIP' : p.stage, p.total, units[p.stage]);
        stage = p.stage;
      }
      bar?.update(p.step, p.detail ?? '');
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}

/** Indices of the k rows of `gallery` ([count, dim]) with the highest cosine to `query` ([dim]), best first. */
export function nearestRows(query: Float32Array, gallery: Float32Array, dim: number, k: number): number[] {
  if (query.length !== dim || gallery.length % dim !== 0) {
    throw new Error(`nearestRows: query must be [${dim}] and gallery [count, ${dim}], got ${query.length} and ${gallery.length} values`);
  }
  const count = gallery.length / dim;
  const scores = Array.from({ length: count }, (_, g) => {
    let dot = 0;
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      dot += query[d] * gallery[g * dim + d];
      norm += gallery[g * dim + d] ** 2;
    }
    return { g, score: norm > 0 ? dot / Math.sqrt(norm) : -Infinity };
  });
  scores.sort((a, b) => b.score - a.score || a.g - b.g);
  return scores.slice(0, Math.min(k, count)).map((s) => s.g);
}
