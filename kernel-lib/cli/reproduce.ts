import * as path from 'path';
import { CROSS_BACKEND_TOLERANCE, reproduceRun } from '../experiment/reproduce';
import { formatMetricTable } from '../experiment/reproduce-metrics';
import { OptionSpec, formatHelp, parseOptions } from './args';
import { createProgressBar } from './progress';

export const REPRODUCE_OPTIONS: Record<string, OptionSpec> = {
  'runs-dir': { type: 'string', description: 'parent folder of the new run directory (default: the recorded run’s parent)' },
  'run-id': { type: 'string', description: 'name of the new run directory (default <run id>-reproduced-<date>-<time>)' },
  resume: {
    type: 'string',
    description: 'continue an earlier reproduction of this run in this directory (stopped partway, or finished before the recorded run)',
  },
  tolerance: {
    type: 'number',
    description: `largest absolute difference accepted per metric (default 0 on the recorded backend, ${CROSS_BACKEND_TOLERANCE} on another)`,
  },
  backend: { type: 'string', description: 'auto, node-gpu, node, wasm or cpu (default: the recorded backend)' },
  help: { type: 'boolean', description: 'show this help' },
};

const SUMMARY = [
  'Re-runs a recorded experiment run with its recorded config and seed: medsynth reproduce <run dir>.',
  'Checks the recorded dataset checksums first, then prints every metric of every arm, recorded and',
  'reproduced, and exits with status 1 when any differs by more than the tolerance.',
  'The comparison is saved as reproduce.json in the new run directory.',
].join('\n');

/**
 * Writes to stdout and waits until the text is handed to the operating system. The table has a
 * row per numeric leaf, ROC points included, and the CLI exits right after this command returns,
 * which would cut off text still buffered for a pipe.
 */
function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
}

export async function reproduceCommand(argv: string[]): Promise<void> {
  if (argv.includes('--help')) {
    console.log(formatHelp('reproduce <run dir>', SUMMARY, REPRODUCE_OPTIONS));
    return;
  }
  const runDir = argv[0] && !argv[0].startsWith('--') ? argv[0] : undefined;
  if (runDir === undefined) throw new Error("reproduce: name a recorded run directory, e.g. 'medsynth reproduce experiments/runs/<run id>'");
  const o = parseOptions('reproduce', argv.slice(1), REPRODUCE_OPTIONS);
  if (o.resume !== undefined && (o['run-id'] !== undefined || o['runs-dir'] !== undefined)) {
    throw new Error(`reproduce: --resume ${o.resume} continues an existing reproduction, so --run-id and --runs-dir do not apply; pass one or the other`);
  }

  const report = await reproduceRun({
    runDir,
    runsDir: o['runs-dir'] === undefined ? undefined : path.resolve(o['runs-dir'] as string),
    runId: o['run-id'] as string | undefined,
    resumeDir: o.resume === undefined ? undefined : path.resolve(o.resume as string),
    tolerance: o.tolerance as number | undefined,
    backend: o.backend as string | undefined,
    progress: createProgressBar,
    say: (line) => console.log(line),
  });

  const lines = ['', formatMetricTable(report.metrics), '', ...report.warnings.map((warning) => `warning: ${warning}`)];
  lines.push(`comparison: ${path.join(report.reproducedRunDir, 'reproduce.json')}`);
  await writeStdout(lines.join('\n') + '\n');
  if (report.outOfTolerance > 0) {
    throw new Error(
      `reproduce: ${report.outOfTolerance} of ${report.metrics.length} metrics differ by more than ${report.tolerance} (marked DIFFERS above); ` +
        'check the warnings, or pass --tolerance to accept small differences',
    );
  }
  await writeStdout(`reproduced: all ${report.metrics.length} metrics within ${report.tolerance} of the recorded run\n`);
}
