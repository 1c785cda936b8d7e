import * as path from 'path';
import { FetchedDataset, fetchDataset, findLocalCopy, FetchProgress } from '../data/fetch';
import { listDatasets } from '../data/registry';
import { OptionSpec, formatHelp, parseOptions } from './args';
import { createProgressBar } from './progress';

export const DATASETS_LIST_OPTIONS: Record<string, OptionSpec> = {
  help: { type: 'boolean', description: 'show this help' },
};

export const DATASETS_FETCH_OPTIONS: Record<string, OptionSpec> = {
  url: { type: 'string', description: "address to download from instead of the registry's (a mirror), whose file must still match the registry's MD5" },
  out: { type: 'string', description: "file to write (default: the dataset's last localCandidates path in the project)" },
  timeout: { type: 'number', default: 30, description: 'seconds to wait for the server or the next chunk before giving up' },
  help: { type: 'boolean', description: 'show this help' },
};

const SUBCOMMANDS = ['list', 'fetch'] as const;

const USAGE = [
  'usage: medsynth datasets <list|fetch> [options]',
  '',
  'subcommands:',
  '  list              registered datasets: name, title, licence, and the local copy if one is found',
  "  fetch <name>      download a dataset's file and check its MD5 against the registry",
  '',
  "Run 'medsynth datasets <subcommand> --help' for its options.",
].join('\n');

const FETCH_SUMMARY =
  "Downloads the file of a registered dataset, checks its MD5 against datasets/registry.json, and saves it only when it matches. " +
  'A file already in place with that MD5 is reused.';

/** Runs `medsynth datasets list` or `medsynth datasets fetch <name>`. */
export async function datasetsCommand(argv: string[]): Promise<void> {
  const [subcommand, ...rest] = argv;
  if (subcommand === '--help' || subcommand === 'help') {
    console.log(USAGE);
    return;
  }
  if (subcommand === 'list') return listCommand(rest);
  if (subcommand === 'fetch') return fetchCommand(rest);
  const got = subcommand === undefined ? 'none' : `'${subcommand}'`;
  throw new Error(`datasets: expected a subcommand, one of ${SUBCOMMANDS.join(', ')}, got ${got}\n\n${USAGE}`);
}

function listCommand(argv: string[]): void {
  if (argv.includes('--help')) {
    console.log(formatHelp('datasets list', 'Lists the registered datasets and where their local copy is, if one is found.', DATASETS_LIST_OPTIONS));
    return;
  }
  parseOptions('datasets list', argv, DATASETS_LIST_OPTIONS);

  const rows = listDatasets().map((info) => {
    let localCopy: string;
    if (info.kind === 'generated') {
      localCopy = 'generated, no file needed';
    } else {
      const found = findLocalCopy(info);
      const fetchHint = info.download ? `; run 'medsynth datasets fetch ${info.name}'` : '';
      localCopy = found === null ? `not found${fetchHint}` : `found: ${displayPath(found)}`;
    }
    return [info.name, info.title, info.license ?? 'not stated', localCopy];
  });

  const header = ['name', 'title', 'licence', 'local copy'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const formatRow = (row: string[]) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ');
  console.log([formatRow(header), ...rows.map(formatRow)].join('\n'));
}

/** Shows a path relative to the working directory when it lies inside it, and absolute otherwise. */
function displayPath(filePath: string): string {
  const relative = path.relative(process.cwd(), filePath);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? filePath : relative;
}

async function fetchCommand(argv: string[]): Promise<void> {
  if (argv.includes('--help')) {
    console.log(formatHelp('datasets fetch <name>', FETCH_SUMMARY, DATASETS_FETCH_OPTIONS));
    return;
  }
  const [name, ...rest] = argv;
  if (name === undefined || name.startsWith('--')) {
    throw new Error(
      "datasets fetch: missing dataset name; usage: medsynth datasets fetch <name> [--url URL] [--out PATH]. 'medsynth datasets list' shows the names",
    );
  }
  const o = parseOptions('datasets fetch', rest, DATASETS_FETCH_OPTIONS);
  const timeoutSeconds = o.timeout as number;
  if (!(timeoutSeconds > 0)) throw new Error(`datasets fetch: --timeout must be a positive number of seconds, got ${timeoutSeconds}`);

  const progress = createDownloadProgress(name);
  let result: FetchedDataset;
  try {
    result = await fetchDataset(name, {
      url: o.url as string | undefined,
      destination: o.out as string | undefined,
      timeoutMs: timeoutSeconds * 1000,
      onProgress: progress.update,
    });
  } finally {
    progress.stop();
  }

  if (result.reused) {
    console.log(`${name}: ${result.path} is already in place with the registry's MD5 ${result.md5}; nothing downloaded`);
  } else {
    console.log(`${name}: saved ${result.path} (${result.bytes} bytes, MD5 ${result.md5} as in the registry, SHA-256 ${result.sha256})`);
  }
  const info = listDatasets().find((entry) => entry.name === name);
  if (info?.license) console.log(`licence: ${info.license}${info.citation ? `; cite: ${info.citation}` : ''}`);
}

/**
 * Draws download progress in KiB with the shared progress bar when the size is known,
 * and otherwise prints the bytes received every 5 s.
 */
function createDownloadProgress(name: string) {
  const label = `datasets fetch ${name}`;
  const started = Date.now();
  let bar: ReturnType<typeof createProgressBar> | null = null;
  let totalKiB = 0;
  let lastPrinted = started;
  return {
    update: ({ received, total }: FetchProgress) => {
      const megabytesPerSecond = received / 1e6 / Math.max((Date.now() - started) / 1000, 1e-3);
      const status = `${megabytesPerSecond.toFixed(1)} MB/s`;
      if (total !== null && total > 0) {
        if (bar === null) {
          totalKiB = Math.ceil(total / 1024);
          bar = createProgressBar(label, totalKiB, 'KiB');
        }
        // The last chunk can leave a fraction of a KiB, so the final update rounds up to the total.
        bar.update(received >= total ? totalKiB : Math.floor(received / 1024), status);
      } else if (Date.now() - lastPrinted >= 5000) {
        lastPrinted = Date.now();
        process.stderr.write(`${label}: ${(received / 1e6).toFixed(1)} MB received | ${status}\n`);
      }
    },
    stop: () => bar?.stop(),
  };
}
