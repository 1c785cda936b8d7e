import * as fs from 'fs';
import * as path from 'path';

/** Executable names searched on the PATH, in order (Debian's package installs `/usr/bin/chromium`). */
export const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome'] as const;

/** Environment variable that names the Chromium executable when no path is passed. */
export const CHROMIUM_ENV = 'MEDSYNTH_CHROMIUM';

export const CHROMIUM_INSTALL_HINT = `install it with \`apt-get install chromium\`, or name an installed Chrome or Chromium with --chromium <path> (chromiumPath) or ${CHROMIUM_ENV}`;

export interface ChromiumSearch {
  /** Executable to use; when given, nothing else is searched. */
  chromiumPath?: string;
  /** Environment to read `MEDSYNTH_CHROMIUM` and `PATH` from (default `process.env`). */
  env?: Record<string, string | undefined>;
}

/** No Chromium executable was found; `searched` lists each place looked at, for the message. */
export class ChromiumNotFoundError extends Error {
  constructor(
    message: string,
    readonly searched: string[],
  ) {
    super(message);
    this.name = 'ChromiumNotFoundError';
  }
}

/**
 * Returns the path of the Chromium (or Chrome) executable to render with: `chromiumPath` if
 * given, else `MEDSYNTH_CHROMIUM`, else the first of `CHROMIUM_NAMES` on the PATH. A path that is
 * given but not an executable file is an error, never skipped. Throws `ChromiumNotFoundError`,
 * whose message starts with `caller` and lists what was searched, when none is found. Never
 * downloads a browser.
 */
export function findChromium(caller: string, search: ChromiumSearch = {}): string {
  const env = search.env ?? process.env;
  if (search.chromiumPath !== undefined) return checkExecutable(caller, 'chromiumPath', search.chromiumPath);
  const fromEnv = env[CHROMIUM_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return checkExecutable(caller, CHROMIUM_ENV, fromEnv);

  const dirs = (env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== '');
  for (const name of CHROMIUM_NAMES) {
    for (const dir of dirs) {
      const candidate = path.join(dir, name);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  const searched = [
    'no chromiumPath (--chromium) given',
    `${CHROMIUM_ENV} not set`,
    `no ${CHROMIUM_NAMES.join(', ')} on the PATH (${dirs.join(path.delimiter) || 'empty'})`,
  ];
  throw new ChromiumNotFoundError(`${caller}: no Chromium found: ${searched.join('; ')}. To render figures, ${CHROMIUM_INSTALL_HINT}`, searched);
}

function checkExecutable(caller: string, source: string, file: string): string {
  if (!isExecutableFile(file)) {
    const reason = fs.existsSync(file) ? 'is not an executable file' : 'does not exist';
    throw new ChromiumNotFoundError(`${caller}: the Chromium executable '${file}' from ${source} ${reason}; ${CHROMIUM_INSTALL_HINT}`, [`${source}: ${file}`]);
  }
  return path.resolve(file);
}

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
