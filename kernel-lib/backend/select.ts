import * as tf from '@tensorflow/tfjs';
import { log } from '../util/log';

/**
 * Backends in the order `auto` tries them. `node-gpu` and `node` are the optional
 * native packages `@tensorflow/tfjs-node-gpu` and `@tensorflow/tfjs-node`; they are
 * used only when installed and never required.
 */
export const BACKEND_CHOICES = ['auto', 'node-gpu', 'node', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
type ConcreteBackend = Exclude<BackendChoice, 'auto'>;
const AUTO_ORDER: ConcreteBackend[] = ['node-gpu', 'node', 'wasm', 'cpu'];

/** Facts about the backend in use, for run manifests. */
export interface BackendInfo {
  /** The medsynth name: `node-gpu`, `node`, `wasm` or `cpu`. */
  name: ConcreteBackend;
  /** The TensorFlow.js backend name (`tensorflow`, `wasm`, `cpu`). */
  tfBackend: string;
  /** npm package that provides it, with its version. */
  package: string;
  tfjsVersion: string;
  /** Origin of the choice: `auto`, the `MEDSYNTH_BACKEND` variable, or an option. */
  source: 'auto' | 'env' | 'option';
  /** Backends `auto` tried before this one, each with the reason it was skipped. */
  skipped: { name: ConcreteBackend; reason: string }[];
  wasmSimd?: boolean;
  wasmThreads?: number;
}

let active: BackendInfo | null = null;
let loggedKey = '';

export function parseBackendChoice(value: string, origin: string): BackendChoice {
  if ((BACKEND_CHOICES as readonly string[]).includes(value)) return value as BackendChoice;
  throw new Error(
    `${origin}: unknown backend '${value}'; use one of ${BACKEND_CHOICES.join(', ')} ` +
      `(auto picks the first that works in the order ${AUTO_ORDER.join(', ')})`,
  );
}

function packageVersion(name: string): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return `${name}@${require(`${name}/package.json`).version}`;
  } catch {
    return name;
  }
}

/** Loads the package behind `name` and makes it the active tf backend; throws on failure. */
async function activate(name: ConcreteBackend): Promise<Pick<BackendInfo, 'tfBackend' | 'package' | 'wasmSimd' | 'wasmThreads'>> {
  switch (name) {
    case 'node-gpu':
    case 'node': {
      const pkg = name === 'node-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      // Optional native package: resolved at run time so that it is never a build dependency.
      require(pkg);
      if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkg} loaded but its backend did not start`);
      await tf.ready();
      return { tfBackend: 'tensorflow', package: packageVersion(pkg) };
    }
    case 'wasm': {
      const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
      const { registerWasmTrainingKernels } = require('./wasm-kernels/register') as typeof import('./wasm-kernels/register');
      registerWasmTrainingKernels();
      if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not start');
      await tf.ready();
      return {
        tfBackend: 'wasm',
        package: packageVersion('@tensorflow/tfjs-backend-wasm'),
        wasmSimd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
        wasmThreads: wasm.getThreadsCount(),
      };
    }
    case 'cpu': {
      if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not start');
      await tf.ready();
      // The cpu backend prints a banner recommending tfjs-node on its first write. The
      // backend log line and the skipped list already report that, so it is turned off.
      (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
      return { tfBackend: 'cpu', package: packageVersion('@tensorflow/tfjs-backend-cpu') };
    }
  }
}

/**
 * Selects and starts the TensorFlow.js backend. The choice comes from `options.backend`
 * if given, else from the `MEDSYNTH_BACKEND` environment variable, else `auto`, which
 * takes the first of node-gpu, node, wasm, cpu that loads and starts. An explicit
 * choice that fails throws instead of falling back. The result is logged once per
 * distinct backend and should be stored in the run manifest.
 */
export async function selectBackend(options: { backend?: string } = {}): Promise<BackendInfo> {
  let source: BackendInfo['source'] = 'auto';
  let choice: BackendChoice = 'auto';
  if (options.backend !== undefined) {
    choice = parseBackendChoice(options.backend, 'selectBackend: option `backend`');
    source = 'option';
  } else if (process.env.MEDSYNTH_BACKEND) {
    choice = parseBackendChoice(process.env.MEDSYNTH_BACKEND, 'environment variable MEDSYNTH_BACKEND');
    source = 'env';
  }
  if (choice === 'auto') source = 'auto';

  // Re-selecting the running backend returns it without restarting anything.
  const alreadyActive = active && tf.getBackend() === active.tfBackend && (choice === 'auto' ? active.source === 'auto' : active.name === choice);
  if (active && alreadyActive) {
    active = { ...active, source };
    return active;
  }

  const candidates = choice === 'auto' ? AUTO_ORDER : [choice];
  const skipped: BackendInfo['skipped'] = [];
  for (const name of candidates) {
    try {
      const started = await activate(name);
      active = {
        name,
        ...started,
        tfjsVersion: tf.version_core,
        source,
        skipped,
      };
      const key = `${name}:${source}`;
      if (loggedKey !== key) {
        loggedKey = key;
        const extra = name === 'wasm' ? ` (simd ${active.wasmSimd}, threads ${active.wasmThreads})` : '';
        log.info(`backend: ${name} via ${active.package}${extra}, chosen by ${source}`);
      }
      return active;
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      if (choice !== 'auto') {
        throw new Error(
          `selectBackend: backend '${name}' could not start (${reason}). ` +
            `Install its package or choose another with --backend or MEDSYNTH_BACKEND (${BACKEND_CHOICES.join(', ')}).`,
        );
      }
      skipped.push({ name, reason });
      log.debug(`backend ${name} skipped: ${reason}`);
    }
  }
  throw new Error(`selectBackend: no backend could start; tried ${skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}`);
}

/** Returns the backend chosen by the last `selectBackend` call, or null before it. */
export function activeBackend(): BackendInfo | null {
  return active;
}
