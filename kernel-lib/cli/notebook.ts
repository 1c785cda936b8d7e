import * as fs from 'fs';
import * as path from 'path';
import { findProjectRoot } from '../data/registry';
import { ENGINES, Engine, prepareNotebookRun } from '../notebook/prepare-run';
import { NotebookRunError, NotebookRunResult, runNotebook } from '../notebook/run-notebook';
import { ParameterValue, findParametersCell, parseParameterAssignment } from '../notebook/parameters';
import { readNotebook } from '../notebook/nbformat';
import { OptionSpec, formatHelp, parseOptions } from './args';

export const NOTEBOOK_RUN_OPTIONS: Record<string, OptionSpec> = {
  output: { type: 'string', description: 'path of the executed notebook (default experiments/runs/notebooks/<name>-<UTC time>/<name>.ipynb)' },
  timeout: { type: 'number', description: 'seconds a cell may run before it is interrupted', default: 600 },
  engine: { type: 'string', description: `${ENGINES.join(' or ')}: this client of the kernel, or jupyter nbconvert --execute`, default: 'native' },
  all: { type: 'boolean', description: 'run every notebooks/NN-*.ipynb except 00-smoke.ipynb, in name order; each -p goes to the notebooks that declare it' },
  'output-dir': { type: 'string', description: 'with --all: write each notebook to <dir>/<name>/<name>.ipynb (default experiments/runs/notebooks/<name>-<UTC time>/)' },
  help: { type: 'boolean', description: 'show this help' },
};

const SUMMARY = [
  'Executes a notebook headless through the tslab kernel and writes the executed notebook with a',
  'manifest.json beside it: medsynth notebook run <notebook.ipynb> [-p name=value ...].',
  '',
  '  -p name=value              set a parameter declared with let in the cell tagged "parameters";',
  '                             the value is parsed as JSON when it parses (3, true, null, "x", [1,2]),',
  '                             else taken as a string. Repeat -p for each parameter.',
  '',
  'Stops at the first failing cell and exits with status 1; the executed notebook is written anyway.',
].join('\n');

/** Pattern of the notebooks that --all runs, matched against file names in notebooks/. */
const NUMBERED_NOTEBOOK = /^[0-9]{2}-.*\.ipynb$/;
const SMOKE_NOTEBOOK = '00-smoke.ipynb';

/** Runs `medsynth notebook <subcommand>`; only `run` exists. */
export async function notebookCommand(argv: string[]): Promise<void> {
  const [subcommand, ...rest] = argv;
  if (subcommand === undefined || subcommand === '--help' || subcommand === 'help') {
    console.log(formatHelp('notebook run', SUMMARY, NOTEBOOK_RUN_OPTIONS));
    if (subcommand === undefined) throw new Error("notebook: name a subcommand: 'medsynth notebook run <notebook.ipynb>'");
    return;
  }
  if (subcommand !== 'run') {
    throw new Error(`notebook: unknown subcommand '${subcommand}'; the only subcommand is 'run' (medsynth notebook run <notebook.ipynb>)`);
  }
  if (rest.includes('--help')) {
    console.log(formatHelp('notebook run', SUMMARY, NOTEBOOK_RUN_OPTIONS));
    return;
  }

  const { notebooks, parameters, options } = parseRunArguments(rest);
  // The kernel runs in its own process group, so a Ctrl+C reaches only this process. The first
  // signal stops the run cleanly. A second one exits at once, and the exit hook of
  // kernel-process.ts kills the kernel.
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      console.error(`notebook run: second ${signal}; exiting without writing the notebook`);
      process.exit(130);
    }
    console.error(`\nnotebook run: ${signal} received; stopping the kernel and writing the notebook as far as it ran`);
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    await runAll(notebooks, parameters, options, controller.signal);
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
  }
}

interface RunArguments {
  notebooks: string[];
  parameters: Record<string, ParameterValue>;
  options: { output?: string; outputDir?: string; timeoutMs: number; engine: Engine; all: boolean };
}

/** Splits `-p name=value` pairs from the options, then parses the rest strictly. */
function parseRunArguments(argv: string[]): RunArguments {
  const parameters: Record<string, ParameterValue> = {};
  const optionTokens: string[] = [];
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '-p' || token === '--parameter') {
      const assignment = argv[++i];
      if (assignment === undefined) throw new Error(`notebook run: ${token} needs name=value after it, for example -p seed=3`);
      const { name, value } = parseAssignment(assignment);
      if (Object.prototype.hasOwnProperty.call(parameters, name)) {
        throw new Error(`notebook run: parameter '${name}' is given twice; pass each -p name=value once`);
      }
      parameters[name] = value;
    } else if (token.startsWith('--')) {
      optionTokens.push(token);
      const spec = NOTEBOOK_RUN_OPTIONS[token.slice(2)];
      // The value of `--name value` goes with its option.
      if (spec !== undefined && spec.type !== 'boolean' && !token.includes('=') && i + 1 < argv.length) optionTokens.push(argv[++i]);
    } else if (token.startsWith('-') && token !== '-') {
      throw new Error(`notebook run: unknown option ${token}; valid options: -p name=value, ${Object.keys(NOTEBOOK_RUN_OPTIONS).map((name) => `--${name}`).join(', ')}`);
    } else {
      positional.push(token);
    }
  }

  const parsed = parseOptions('notebook run', optionTokens, NOTEBOOK_RUN_OPTIONS);
  const timeout = parsed.timeout as number;
  if (!(timeout > 0)) throw new Error(`notebook run: --timeout must be a positive number of seconds, got ${timeout}`);
  const engine = parsed.engine as string;
  if (!(ENGINES as readonly string[]).includes(engine)) {
    throw new Error(`notebook run: --engine must be one of ${ENGINES.join(', ')}, got '${engine}'`);
  }
  const all = parsed.all === true;
  const output = parsed.output as string | undefined;
  const outputDir = parsed['output-dir'] as string | undefined;
  if (outputDir !== undefined && !all) throw new Error('notebook run: --output-dir goes with --all; for one notebook use --output <path>');

  if (positional.length > 1) {
    throw new Error(`notebook run: expected one notebook, got ${positional.length} (${positional.join(', ')}); run them one at a time or use --all`);
  }
  if (all && positional.length > 0) throw new Error(`notebook run: give either a notebook (${positional[0]}) or --all, not both`);
  if (all && output !== undefined) {
    throw new Error('notebook run: --output cannot be used with --all, because each notebook is written to its own folder under experiments/runs/notebooks/');
  }
  if (!all && positional.length === 0) throw new Error("notebook run: name a notebook ('medsynth notebook run notebooks/01-x.ipynb') or pass --all");

  const notebooks = all ? listNumberedNotebooks(findProjectRoot('notebook run')) : [path.resolve(positional[0])];
  return { notebooks, parameters, options: { output, outputDir: outputDir === undefined ? undefined : path.resolve(outputDir), timeoutMs: timeout * 1000, engine: engine as Engine, all } };
}

function parseAssignment(text: string): { name: string; value: ParameterValue } {
  try {
    return parseParameterAssignment(text);
  } catch (err) {
    throw new Error(`notebook run: -p ${(err as Error).message.replace(/^parseParameterAssignment: /, '')}`);
  }
}

/** Returns notebooks/[0-9][0-9]-*.ipynb of the project in name order, without 00-smoke.ipynb. */
export function listNumberedNotebooks(projectRoot: string): string[] {
  const folder = path.join(projectRoot, 'notebooks');
  const names = fs.existsSync(folder) ? fs.readdirSync(folder).filter((name) => NUMBERED_NOTEBOOK.test(name) && name !== SMOKE_NOTEBOOK) : [];
  if (names.length === 0) {
    throw new Error(`notebook run --all: no notebooks named NN-*.ipynb (other than ${SMOKE_NOTEBOOK}) in ${folder}`);
  }
  return names.sort().map((name) => path.join(folder, name));
}

async function runAll(notebooks: string[], parameters: Record<string, ParameterValue>, options: RunArguments['options'], signal: AbortSignal): Promise<void> {
  const parametersOf = splitParameters(notebooks, parameters, options.all);
  const runOptions = (notebookPath: string) => ({
    notebookPath,
    parameters: parametersOf.get(notebookPath) ?? {},
    outputPath: options.outputDir === undefined ? options.output : outputInFolder(options.outputDir, notebookPath),
    timeoutMs: options.timeoutMs,
    engine: options.engine,
    signal,
  });
  // Checks every notebook and its parameters before the first kernel starts.
  for (const notebookPath of notebooks) prepareNotebookRun(runOptions(notebookPath));

  const started = Date.now();
  const finished: NotebookRunResult[] = [];
  for (const notebookPath of notebooks) {
    const name = path.basename(notebookPath);
    console.error(`${name}: running (engine ${options.engine})`);
    try {
      const result = await runNotebook({
        ...runOptions(notebookPath),
        onProgress: (progress) => {
          console.error(`  cell ${progress.cellNumber}/${progress.codeCellCount} ${progress.status} in ${formatSeconds(progress.durationMs)}`);
        },
      });
      finished.push(result);
      console.log(`${name}: ok in ${formatSeconds(result.durationMs)} -> ${result.outputPath}`);
    } catch (err) {
      if (err instanceof NotebookRunError) console.log(`${name}: failed in ${formatSeconds(err.result.durationMs)}`);
      if (notebooks.length > 1) {
        const notRun = notebooks.length - finished.length - 1;
        console.log(`stopped at ${name}: ${finished.length} of ${notebooks.length} notebooks ran without errors, ${notRun} not run`);
      }
      throw err;
    }
  }
  if (notebooks.length > 1) console.log(`${finished.length} notebooks ran without errors in ${formatSeconds(Date.now() - started)}`);
}

/** `<dir>/<name>/<name>.ipynb`, so that each notebook's manifest.json has a folder of its own. */
function outputInFolder(dir: string, notebookPath: string): string {
  const name = path.basename(notebookPath, '.ipynb');
  return path.join(dir, name, `${name}.ipynb`);
}

/**
 * With --all, gives each notebook the parameters its parameters cell declares, so that one
 * command line can set parameters that only some notebooks have. A name no notebook declares is
 * refused. A single notebook gets every parameter (and refuses unknown ones itself).
 */
function splitParameters(notebooks: string[], parameters: Record<string, ParameterValue>, all: boolean): Map<string, Record<string, ParameterValue>> {
  const out = new Map<string, Record<string, ParameterValue>>();
  if (!all) {
    for (const notebook of notebooks) out.set(notebook, parameters);
    return out;
  }
  const used = new Set<string>();
  for (const notebook of notebooks) {
    const declared = new Set((findParametersCell(readNotebook(notebook))?.declarations ?? []).map((d) => d.name));
    const own = Object.fromEntries(Object.entries(parameters).filter(([name]) => declared.has(name)));
    Object.keys(own).forEach((name) => used.add(name));
    out.set(notebook, own);
  }
  const unknown = Object.keys(parameters).filter((name) => !used.has(name));
  if (unknown.length > 0) {
    throw new Error(`notebook run --all: no notebook declares the parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `'${n}'`).join(', ')}; check the spelling against the cells tagged "parameters"`);
  }
  return out;
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
