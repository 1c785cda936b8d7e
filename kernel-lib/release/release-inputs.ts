/**
 * Finds the files behind each input of the release gate and checks that each is marked for
 * its role: the synthetic input must carry the `synthetic_` name marker, and the real
 * inputs (--train, --reference) must not be marked synthetic.
 *
 * Accepted inputs:
 * - EHR: `<prefix>_timeseries.csv|parquet` (the outcomes file `<prefix>_outcomes.<same
 *   extension>` is found by name), the outcomes or `<prefix>_metadata.json` file of such a pair,
 *   or a folder with exactly one such pair (CSV preferred over Parquet);
 * - images: a `.npz` archive, or a folder of PNG images (flat, or one folder per class).
 */
import * as fs from 'fs';
import * as path from 'path';

export const RELEASE_ROLES = ['synthetic', 'train', 'reference'] as const;
export type ReleaseRole = (typeof RELEASE_ROLES)[number];

/** The command-line spelling of each role, used in messages. */
export const ROLE_LABELS: Record<ReleaseRole, string> = {
  synthetic: 'the synthetic input',
  train: '--train',
  reference: '--reference',
};

/** The long-format time series and outcomes files of one EHR input, with its metadata when present. */
export interface EhrFiles {
  format: 'csv' | 'parquet';
  /** File name prefix shared by the files, such as `synthetic_physionet2012_latent`. */
  prefix: string;
  folder: string;
  timeseries: string;
  outcomes: string;
  /** `<prefix>_metadata.json`, or null when it does not exist. */
  metadata: string | null;
}

export type LocatedInput =
  | { modality: 'ehr'; role: ReleaseRole; files: EhrFiles }
  | { modality: 'images'; role: ReleaseRole; format: 'npz'; file: string }
  | { modality: 'images'; role: ReleaseRole; format: 'png-folder'; folder: string };

const EHR_FILE = /^(.+)_(timeseries|outcomes)\.(csv|parquet)$/;
const EHR_METADATA = /^(.+)_metadata\.json$/;
const SYNTHETIC_MARKER = 'synthetic_';
/** Prefix of the tiles of other images that `medsynth sample` and image runs write beside them, which are not records. */
const GRID_PREFIX = 'synthetic_grid_';

/** Returns the PNG images under `folder` (its class folders included), hidden files and grids excluded, sorted. */
export function listPngFiles(folder: string): string[] {
  if (typeof folder !== 'string' || !fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
    throw new Error(`listPngFiles: \`folder\` must be an existing folder, got ${JSON.stringify(folder)}`);
  }
  const found: string[] = [];
  const visit = (dir: string, depth: number) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && depth < 2) visit(full, depth + 1);
      else if (entry.isFile() && entry.name.toLowerCase().endsWith('.png') && !entry.name.startsWith(GRID_PREFIX)) found.push(full);
    }
  };
  visit(folder, 0);
  return found.sort();
}

function ehrFilesOf(folder: string, prefix: string, format: 'csv' | 'parquet'): EhrFiles {
  const metadata = path.join(folder, `${prefix}_metadata.json`);
  return {
    format,
    prefix,
    folder,
    timeseries: path.join(folder, `${prefix}_timeseries.${format}`),
    outcomes: path.join(folder, `${prefix}_outcomes.${format}`),
    metadata: fs.existsSync(metadata) ? metadata : null,
  };
}

/** Picks the one EHR prefix of a folder, CSV before Parquet. Returns null when the folder has no time series file. */
function ehrFilesInFolder(caller: string, label: string, folder: string): EhrFiles | null {
  const prefixes = new Map<string, Set<string>>();
  for (const name of fs.readdirSync(folder)) {
    const match = EHR_FILE.exec(name);
    if (match === null || match[2] !== 'timeseries') continue;
    const formats = prefixes.get(match[1]) ?? new Set<string>();
    formats.add(match[3]);
    prefixes.set(match[1], formats);
  }
  if (prefixes.size === 0) return null;
  if (prefixes.size > 1) {
    throw new Error(
      `${caller}: ${label} folder ${folder} contains time series of ${prefixes.size} datasets (${[...prefixes.keys()].sort().join(', ')}); ` +
        'pass the `<prefix>_timeseries.csv` file of the one to check',
    );
  }
  const [[prefix, formats]] = [...prefixes.entries()];
  return ehrFilesOf(folder, prefix, formats.has('csv') ? 'csv' : 'parquet');
}

/**
 * Finds the files of one input and returns them with their modality. Throws for a missing
 * path, an unsupported file, a folder with nothing to read, or a missing outcomes file.
 */
export function locateReleaseInput(caller: string, role: ReleaseRole, inputPath: string): LocatedInput {
  const label = ROLE_LABELS[role];
  if (typeof inputPath !== 'string' || inputPath.trim() === '') {
    throw new Error(`${caller}: ${label} must be a path to EHR files, a .npz archive or a PNG folder, got ${JSON.stringify(inputPath)}`);
  }
  const resolved = path.resolve(inputPath);
  if (!fs.existsSync(resolved)) {
    throw new Error(`${caller}: ${label} not found: ${resolved}; check the path`);
  }

  let located: LocatedInput;
  if (fs.statSync(resolved).isDirectory()) {
    const files = ehrFilesInFolder(caller, label, resolved);
    if (files !== null) {
      located = { modality: 'ehr', role, files };
    } else if (listPngFiles(resolved).length > 0) {
      located = { modality: 'images', role, format: 'png-folder', folder: resolved };
    } else {
      const archives = fs.readdirSync(resolved).filter((name) => name.toLowerCase().endsWith('.npz'));
      const hint = archives.length > 0 ? `; it has .npz archives (${archives.sort().join(', ')}), so pass one of them` : '';
      throw new Error(
        `${caller}: ${label} folder ${resolved} contains no \`*_timeseries.csv|parquet\` file and no PNG image${hint}`,
      );
    }
  } else {
    const name = path.basename(resolved);
    const folder = path.dirname(resolved);
    const ehrMatch = EHR_FILE.exec(name);
    const metadataMatch = EHR_METADATA.exec(name);
    if (ehrMatch !== null) {
      located = { modality: 'ehr', role, files: ehrFilesOf(folder, ehrMatch[1], ehrMatch[3] as 'csv' | 'parquet') };
    } else if (metadataMatch !== null) {
      const files = ehrFilesInFolder(caller, label, folder);
      if (files === null || files.prefix !== metadataMatch[1]) {
        throw new Error(`${caller}: ${label} ${resolved} has no \`${metadataMatch[1]}_timeseries.csv|parquet\` beside it; pass the time series file`);
      }
      located = { modality: 'ehr', role, files };
    } else if (name.toLowerCase().endsWith('.npz')) {
      located = { modality: 'images', role, format: 'npz', file: resolved };
    } else {
      throw new Error(
        `${caller}: ${label} ${resolved} is not a supported input; pass \`<prefix>_timeseries.csv\` or \`.parquet\` (EHR), ` +
          'a .npz archive or a folder of PNG images',
      );
    }
  }

  if (located.modality === 'ehr') {
    for (const file of [located.files.timeseries, located.files.outcomes]) {
      if (!fs.existsSync(file)) {
        throw new Error(
          `${caller}: ${label} needs ${file}, which does not exist; EHR inputs come as a \`<prefix>_timeseries\` and ` +
            '`<prefix>_outcomes` pair of the same format',
        );
      }
    }
  }
  return located;
}

/** Returns the file names that decide whether an input is marked synthetic. */
function markedNames(located: LocatedInput): string[] {
  if (located.modality === 'ehr') return [located.files.prefix];
  if (located.format === 'npz') return [path.basename(located.file)];
  return listPngFiles(located.folder).map((file) => path.basename(file));
}

/**
 * Throws unless the names of `located` fit its role: every name of the synthetic input starts
 * with `synthetic_`, and no name of a real input does. The metadata flags are checked where
 * the files are read.
 */
export function checkNameMarker(caller: string, located: LocatedInput): void {
  if (located === null || typeof located !== 'object' || !(RELEASE_ROLES as readonly string[]).includes(located.role)) {
    throw new Error(`checkNameMarker: \`located\` must be an input found by locateReleaseInput, got ${JSON.stringify(located)}`);
  }
  const label = ROLE_LABELS[located.role];
  const names = markedNames(located);
  let where = located.modality === 'ehr' ? located.files.timeseries : '';
  if (located.modality === 'images') where = located.format === 'npz' ? located.file : located.folder;
  if (located.role === 'synthetic') {
    const unmarked = names.filter((name) => !name.startsWith(SYNTHETIC_MARKER));
    if (unmarked.length > 0) {
      throw new Error(
        `${caller}: ${label} ${where} is not marked synthetic: ${unmarked.length} name(s) do not start with '${SYNTHETIC_MARKER}' ` +
          `(first: ${unmarked[0]}); the gate releases only files that say they are synthetic, so pass the files medsynth generated`,
      );
    }
    return;
  }
  const marked = names.filter((name) => name.startsWith(SYNTHETIC_MARKER));
  if (marked.length > 0) {
    throw new Error(
      `${caller}: ${label} ${where} is marked synthetic (${marked[0]}); ${label} must be REAL records, ` +
        `such as real/real_physionet2012_${located.role === 'train' ? 'train' : 'test'}_timeseries.csv of an EHR run`,
    );
  }
}
