/**
 * The kernel as an operating-system process: starts it from a command line, interrupts it with
 * SIGINT, and kills it. The kernel runs in its own process group, so a signal reaches a wrapper
 * script and the kernel under it alike, and no child survives a kill.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { log } from '../util/log';

/** Placeholder in a kernel command that is replaced by the connection file's path, as in a kernelspec's argv. */
export const CONNECTION_FILE_PLACEHOLDER = '{connection_file}';

/** Number of kernel stdout and stderr lines kept for error messages. */
const OUTPUT_TAIL_LINES = 40;

/**
 * Returns the command that starts the tslab kernel of the project at `projectRoot`, with the
 * connection file as a placeholder. bin/tslab-kernel.js, when present, lets cells import the
 * library's sources. Otherwise the command runs tslab's own launcher, node_modules/tslab/bin/tslab.
 * It is not tslab/dist/main.js, which only exports `main` and exits without starting a kernel.
 */
export function defaultKernelCommand(projectRoot: string): string[] {
  const projectLauncher = path.join(projectRoot, 'bin', 'tslab-kernel.js');
  const tslabLauncher = path.join(projectRoot, 'node_modules', 'tslab', 'bin', 'tslab');
  const launcher = fs.existsSync(projectLauncher) ? projectLauncher : tslabLauncher;
  if (!fs.existsSync(launcher)) {
    throw new Error(`defaultKernelCommand: neither ${projectLauncher} nor ${tslabLauncher} exists; run \`npm ci\` in ${projectRoot} to install tslab`);
  }
  return [process.execPath, launcher, 'kernel', '--config-path', CONNECTION_FILE_PLACEHOLDER];
}

/** Exit status of a kernel process: its exit code, or the signal that ended it. */
export interface KernelExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Kernels still running, killed when this process exits so that none is left orphaned. */
const liveKernels = new Set<KernelProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const kernel of liveKernels) kernel.signalGroup('SIGKILL');
  });
}

export class KernelProcess {
  /** Resolves when the process has exited; never rejects. */
  readonly exited: Promise<KernelExit>;
  private exitInfo: KernelExit | null = null;
  private readonly outputLines: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    /** The command line that started the kernel, for messages. */
    readonly command: string[],
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        liveKernels.delete(this);
        log.debug(`kernel ${child.pid} exited with ${describeExit(this.exitInfo)}`);
        resolve(this.exitInfo);
      });
    });
    this.captureOutput(child.stdout, 'stdout');
    this.captureOutput(child.stderr, 'stderr');
  }

  /**
   * Starts `command` with every `{connection_file}` replaced by `connectionFile`, in folder `cwd`.
   * Rejects when the program cannot be started (not found, not executable).
   */
  static async start(options: { command: string[]; connectionFile: string; cwd: string; env?: NodeJS.ProcessEnv }): Promise<KernelProcess> {
    const { command, connectionFile, cwd } = options;
    if (!Array.isArray(command) || command.length === 0 || command.some((part) => typeof part !== 'string')) {
      throw new Error(`KernelProcess.start: \`command\` must be a non-empty array of strings, got ${JSON.stringify(command)}`);
    }
    if (!command.some((part) => part.includes(CONNECTION_FILE_PLACEHOLDER))) {
      throw new Error(
        `KernelProcess.start: the kernel command ${JSON.stringify(command)} has no ${CONNECTION_FILE_PLACEHOLDER} placeholder; ` +
          'add it where the kernel expects the path of its connection file',
      );
    }
    const argv = command.map((part) => part.split(CONNECTION_FILE_PLACEHOLDER).join(connectionFile));

    const child = spawn(argv[0], argv.slice(1), {
      cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // A process group of its own: signals go to the whole group, and a Ctrl+C in the terminal
      // reaches only this client, which then shuts the kernel down.
      detached: true,
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (err) => reject(new Error(`KernelProcess.start: cannot start ${JSON.stringify(argv[0])}: ${err.message}; check the kernel command`)));
    });

    const kernel = new KernelProcess(child, argv);
    liveKernels.add(kernel);
    installExitHook();
    log.debug(`kernel ${child.pid} started: ${argv.join(' ')} (cwd ${cwd})`);
    return kernel;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Exit code and signal once the process has exited, else null. */
  get exitStatus(): KernelExit | null {
    return this.exitInfo;
  }

  /** Returns the last lines that the kernel wrote to stdout and stderr outside of cell outputs. */
  outputTail(): string {
    return this.outputLines.join('\n');
  }

  /** Sends SIGINT to the kernel's process group, which interrupt_mode 'signal' kernels treat as an interrupt. */
  interrupt(): void {
    this.signalGroup('SIGINT');
  }

  /** Kills the process group with SIGKILL and waits until the kernel has exited. */
  async kill(): Promise<KernelExit> {
    this.signalGroup('SIGKILL');
    return this.exited;
  }

  /** Sends `signal` to the kernel's process group; does nothing after the kernel has exited. */
  signalGroup(signal: NodeJS.Signals): void {
    if (this.exitInfo !== null || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch (err) {
      // ESRCH: the group is gone, although the exit event has not been handled yet.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }

  /**
   * Sends SIGKILL to the process group even after the kernel itself has exited, to end children
   * that it left behind. Call it right after the exit, before the group id can be reused.
   */
  killGroupMembers(): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch (err) {
      // ESRCH: no process is left in the group.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }

  private captureOutput(stream: NodeJS.ReadableStream | null, name: string): void {
    if (stream === null) return;
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) this.keepLine(name, line);
    });
    stream.on('end', () => {
      if (pending !== '') this.keepLine(name, pending);
    });
  }

  private keepLine(name: string, line: string): void {
    log.debug(`kernel ${this.pid} ${name}: ${line}`);
    this.outputLines.push(line);
    if (this.outputLines.length > OUTPUT_TAIL_LINES) this.outputLines.shift();
  }
}

/** Formats an exit as 'exit code 1' or 'signal SIGKILL'. */
export function describeExit(exit: KernelExit): string {
  return exit.signal !== null ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}
