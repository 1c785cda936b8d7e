/**
 * Downloads a registered dataset file by its registry recipe (`download.url`,
 * `download.md5`) and keeps it only when its MD5 matches the recipe.
 */
import * as crypto from 'crypto';
import { makeDirectory } from '../util/make-directory';
import * as fs from 'fs';
import * as path from 'path';
import { log } from '../util/log';
import { FileHash, hashFile } from './file-hash';
import { DatasetInfo, findProjectRoot, listDatasets, RegistryOptions } from './registry';

/** Bytes received so far, and the expected size from Content-Length (null when the server sends none). */
export interface FetchProgress {
  received: number;
  total: number | null;
}

export interface FetchDatasetOptions {
  /** Folder containing the medsynth package.json; found from this file's location by default. */
  projectRoot?: string;
  /** Address to download from in place of the recipe's (a mirror). The recipe's MD5 still applies. */
  url?: string;
  /**
   * File to write. Default: the last `localCandidates` entry, resolved against the project root.
   * A relative path is resolved against the current working directory.
   */
  destination?: string;
  /** Called after each chunk received. */
  onProgress?: (progress: FetchProgress) => void;
  /** Milliseconds to wait for the response headers or the next chunk before giving up (default 30000). */
  timeoutMs?: number;
}

/** The dataset file in place, its checksums, and whether an existing copy was reused. */
export interface FetchedDataset extends FileHash {
  /** Absolute path of the file. */
  path: string;
  /** True when the file was already there with the recipe's MD5, so nothing was downloaded. */
  reused: boolean;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** Downloads started by this process, so two at once never share a temporary file name. */
let downloadCount = 0;
/** setTimeout fires at once for delays above 2^31 - 1 ms, so longer timeouts are rejected. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Downloads the file of registered dataset `name` and returns where it is and its checksums.
 *
 * 1. An existing destination whose MD5 matches the recipe is reused without a request.
 *    One with another MD5 is left alone, and the call throws.
 * 2. The body is streamed to a temporary file in the destination's folder, and MD5 and
 *    SHA-256 are computed on the way.
 * 3. The temporary file is renamed over the destination only when its MD5 matches the
 *    recipe. On a mismatch, an HTTP error or a timeout, it is deleted.
 */
export async function fetchDataset(name: string, options: FetchDatasetOptions = {}): Promise<FetchedDataset> {
  validateOptions(name, options);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const projectRoot = path.resolve(options.projectRoot ?? findProjectRoot('fetchDataset'));
  const info = findDataset(name, projectRoot);
  const recipe = info.download;
  if (recipe === undefined) {
    const hint =
      info.kind === 'generated'
        ? `it is generated, so loadImageDataset('${name}') makes it without a file`
        : 'add a download recipe (url, md5) to its registry entry, or save the file by hand at one of its localCandidates';
    throw new Error(`fetchDataset: dataset '${name}' has no download recipe in the registry; ${hint}`);
  }
  const url = options.url ?? recipe.url;
  checkHttpUrl(url, options.url === undefined ? `the registry's download.url of '${name}'` : '`url`');

  const candidates = info.localCandidates.map((candidate) => path.resolve(projectRoot, candidate));
  const destination = resolveDestination(info, options.destination, candidates);

  // 1. Reuse a verified copy, and never overwrite a file that someone put there.
  if (fs.existsSync(destination)) {
    if (!fs.statSync(destination).isFile()) {
      throw new Error(`fetchDataset: destination ${destination} exists and is not a file; pass a file path`);
    }
    const existing = hashFile(destination);
    if (existing.md5 !== recipe.md5) {
      throw new Error(
        `fetchDataset: ${destination} already exists with MD5 ${existing.md5}, but the registry expects ${recipe.md5} for '${name}'; ` +
          'move or delete that file, or pass another destination',
      );
    }
    log.info(`fetchDataset: ${destination} already has MD5 ${recipe.md5}; reusing it without downloading`);
    return { path: destination, ...existing, reused: true };
  }

  // 2. Download next to the destination, so the final rename stays within one file system.
  makeDirectory(path.dirname(destination));
  downloadCount += 1;
  const temporary = path.join(
    path.dirname(destination),
    `.${path.basename(destination)}.${process.pid}.${Date.now()}.${downloadCount}.download`,
  );
  log.info(`fetchDataset: downloading '${name}' from ${url} to ${destination}`);
  let fetched: FileHash;
  try {
    fetched = await downloadToFile(url, temporary, { label: `download of '${name}' from ${url}`, timeoutMs, onProgress: options.onProgress });
  } catch (err) {
    fs.rmSync(temporary, { force: true });
    throw err;
  }

  // 3. Keep the file only when it is the one the recipe describes.
  if (fetched.md5 !== recipe.md5) {
    fs.rmSync(temporary, { force: true });
    throw new Error(
      `fetchDataset: MD5 mismatch for '${name}' from ${url}: expected ${recipe.md5} (registry), got ${fetched.md5} ` +
        `(${fetched.bytes} bytes, SHA-256 ${fetched.sha256}); the file was deleted. ` +
        'Retry, or pass a mirror that serves the official file; to use a file that differs on purpose, pass its path instead of the name',
    );
  }
  fs.renameSync(temporary, destination);
  logLookupOrder(name, destination, candidates);
  return { path: destination, ...fetched, reused: false };
}

/**
 * Returns the absolute path of the first `localCandidates` entry of `info` that exists (the
 * file loadImageDataset reads), or null when none does.
 */
export function findLocalCopy(info: DatasetInfo, options: RegistryOptions = {}): string | null {
  const projectRoot = path.resolve(options.projectRoot ?? findProjectRoot('findLocalCopy'));
  const candidates = info.localCandidates.map((candidate) => path.resolve(projectRoot, candidate));
  return candidates.find((candidate) => fs.existsSync(candidate)) ?? null;
}

function validateOptions(name: string, options: FetchDatasetOptions): void {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new Error(`fetchDataset: \`name\` must be a registered dataset name, got ${JSON.stringify(name)}`);
  }
  if (typeof options !== 'object' || options === null) {
    throw new Error(`fetchDataset: \`options\` must be an object, got ${JSON.stringify(options)}`);
  }
  const { timeoutMs, destination, onProgress, projectRoot } = options;
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && Number.isFinite(timeoutMs) && timeoutMs > 0 && timeoutMs <= MAX_TIMEOUT_MS)) {
    throw new Error(`fetchDataset: \`timeoutMs\` must be a number of milliseconds in (0, ${MAX_TIMEOUT_MS}], got ${timeoutMs}`);
  }
  if (destination !== undefined && (typeof destination !== 'string' || destination.trim() === '')) {
    throw new Error(`fetchDataset: \`destination\` must be a file path, got ${JSON.stringify(destination)}`);
  }
  if (projectRoot !== undefined && (typeof projectRoot !== 'string' || projectRoot.trim() === '')) {
    throw new Error(`fetchDataset: \`projectRoot\` must be a folder path, got ${JSON.stringify(projectRoot)}`);
  }
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new Error(`fetchDataset: \`onProgress\` must be a function, got ${typeof onProgress}`);
  }
}

function findDataset(name: string, projectRoot: string): DatasetInfo {
  const datasets = listDatasets({ projectRoot });
  const info = datasets.find((entry) => entry.name === name);
  if (info === undefined) {
    throw new Error(
      `fetchDataset: unknown dataset ${JSON.stringify(name)}; known datasets: ${datasets.map((entry) => entry.name).join(', ')}`,
    );
  }
  return info;
}

/** Throws unless `url` is an absolute http or https address. `source` names where the address came from. */
function checkHttpUrl(url: string, source: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new Error(`fetchDataset: ${source} must be an http:// or https:// address, got ${JSON.stringify(url)}`);
  }
}

function resolveDestination(info: DatasetInfo, destination: string | undefined, candidates: string[]): string {
  if (destination !== undefined) return path.resolve(destination);
  if (candidates.length === 0) {
    throw new Error(`fetchDataset: dataset '${info.name}' has no localCandidates to save to; pass \`destination\``);
  }
  return candidates[candidates.length - 1];
}

interface DownloadOptions {
  /** Start of error messages, e.g. "download of 'x' from URL". */
  label: string;
  timeoutMs: number;
  onProgress?: (progress: FetchProgress) => void;
}

/**
 * Streams the body of a GET request for `url` into a new file at `filePath` (which must not
 * exist) and returns its checksums. The caller deletes the file when this throws.
 */
async function downloadToFile(url: string, filePath: string, options: DownloadOptions): Promise<FileHash> {
  const { label, timeoutMs, onProgress } = options;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  // The timeout is an idle limit, restarted at each chunk, so a large file on a slow
  // but working connection still completes.
  const restartTimer = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
  };
  const networkError = (err: unknown): Error => {
    if (timedOut) {
      return new Error(`fetchDataset: ${label} timed out after ${timeoutMs} ms without data; check the connection and retry, or raise \`timeoutMs\``);
    }
    return new Error(`fetchDataset: ${label} failed: ${describeFetchError(err)}; check the address and the connection, or pass a mirror with \`url\``);
  };

  const md5 = crypto.createHash('md5');
  const sha256 = crypto.createHash('sha256');
  let received = 0;
  let file: fs.promises.FileHandle | undefined;
  try {
    restartTimer();
    let response: Response;
    try {
      response = await fetch(url, { signal: controller.signal, redirect: 'follow' });
    } catch (err) {
      throw networkError(err);
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel().catch(() => undefined);
      const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
      throw new Error(`fetchDataset: ${label} failed: ${status}; check the address, or pass a mirror with \`url\``);
    }
    const total = expectedLength(response.headers);

    file = await fs.promises.open(filePath, 'wx');
    const reader = response.body.getReader();
    const readChunk = async () => {
      try {
        return await reader.read();
      } catch (err) {
        throw networkError(err);
      }
    };
    for (;;) {
      const chunk = await readChunk();
      if (chunk.done) break;
      restartTimer();
      md5.update(chunk.value);
      sha256.update(chunk.value);
      await file.write(chunk.value);
      received += chunk.value.byteLength;
      onProgress?.({ received, total });
    }

    if (total !== null && received !== total) {
      throw new Error(`fetchDataset: ${label} ended after ${received} of ${total} bytes; retry the download`);
    }
    await file.sync();
  } finally {
    clearTimeout(timer);
    await file?.close();
  }

  return { md5: md5.digest('hex'), sha256: sha256.digest('hex'), bytes: received };
}

/**
 * Returns Content-Length as the expected body size. Returns null when it is missing or invalid,
 * or when a Content-Encoding is set, because fetch decodes compressed bodies and so their length differs.
 */
function expectedLength(headers: Headers): number | null {
  const encoding = headers.get('content-encoding');
  if (encoding !== null && encoding.trim().toLowerCase() !== 'identity') return null;
  const header = headers.get('content-length');
  if (header === null || !/^\d+$/.test(header.trim())) return null;
  return Number(header);
}

/** Node's fetch rejects with "fetch failed" and puts the reason (ECONNREFUSED, ENOTFOUND, …) in `cause`. */
function describeFetchError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
}

/** Logs when loadImageDataset(name) would read another file than the one just fetched. */
function logLookupOrder(name: string, destination: string, candidates: string[]): void {
  if (!candidates.includes(destination)) {
    log.info(`fetchDataset: loadImageDataset('${name}') does not look in ${destination}; load that file by its path`);
    return;
  }
  const firstFound = candidates.find((candidate) => fs.existsSync(candidate));
  if (firstFound !== undefined && firstFound !== destination) {
    log.info(`fetchDataset: loadImageDataset('${name}') reads ${firstFound} first because it comes earlier in localCandidates`);
  }
}
