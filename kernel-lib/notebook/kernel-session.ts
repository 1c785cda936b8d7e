/**
 * A running kernel with its connection file, process and client: starts it, interrupts,
 * restarts and shuts it down, and removes the connection file when it stops.
 */
import * as os from 'os';
import { log } from '../util/log';
import { KernelClient, withTimeout } from './client';
import { ConnectionInfo, createConnectionFile, removeConnectionFile } from './connection';
import { KernelExit, KernelProcess, describeExit } from './kernel-process';
import { JupyterMessage } from './wire';

/** Interrupt methods, as in a kernelspec's `interrupt_mode`. */
export const INTERRUPT_MODES = ['signal', 'message'] as const;
export type InterruptMode = (typeof INTERRUPT_MODES)[number];

export interface KernelSessionOptions {
  /** Kernel command line with a `{connection_file}` placeholder. */
  command: string[];
  /** Working folder of the kernel process. */
  cwd: string;
  /** Name written into the connection file's kernel_name. */
  kernelName: string;
  interruptMode: InterruptMode;
  /** Milliseconds to wait for the kernel's reply to kernel_info_request after it starts. */
  startTimeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

/** Thrown when the kernel exits while the runner waits for it. */
export class KernelDiedError extends Error {
  constructor(
    message: string,
    readonly exit: KernelExit,
  ) {
    super(message);
    this.name = 'KernelDiedError';
  }
}

export class KernelSession {
  /** Times the kernel was killed and started again. */
  restarts = 0;
  private process!: KernelProcess;
  private connectionFile!: string;
  private currentClient!: KernelClient;
  private kernelInfo: JupyterMessage | null = null;

  private constructor(private readonly options: KernelSessionOptions) {}

  /** Starts a kernel and waits until it replies on shell and its iopub messages arrive. */
  static async start(options: KernelSessionOptions): Promise<KernelSession> {
    const session = new KernelSession(options);
    await session.launch();
    return session;
  }

  get client(): KernelClient {
    return this.currentClient;
  }

  get connection(): ConnectionInfo {
    return this.currentClient.connection;
  }

  get pid(): number {
    return this.process.pid;
  }

  /** The kernel_info_reply content of the running kernel. */
  get info(): Record<string, unknown> {
    return this.kernelInfo?.content ?? {};
  }

  /** Returns a promise that rejects with KernelDiedError when the current kernel process exits. */
  died(): Promise<never> {
    const kernel = this.process;
    const death = kernel.exited.then((exit): never => {
      throw new KernelDiedError(this.describeDeath(kernel, exit), exit);
    });
    // Marks the rejection as handled, so a caller that stops waiting causes no unhandled rejection.
    death.catch(() => undefined);
    return death;
  }

  /** Interrupts the running cell: SIGINT, or an interrupt_request on control for interrupt_mode 'message'. */
  async interrupt(timeoutMs: number): Promise<void> {
    if (this.options.interruptMode === 'signal') {
      log.info(`kernel ${this.pid}: sending SIGINT`);
      this.process.interrupt();
      return;
    }
    log.info(`kernel ${this.pid}: sending interrupt_request`);
    try {
      await this.currentClient.request('control', 'interrupt_request', {}, timeoutMs, this.died());
    } catch (err) {
      log.warn(`kernel ${this.pid}: interrupt_request failed: ${(err as Error).message}`);
    }
  }

  /** Kills the kernel and starts a fresh one with a new connection file. */
  async restart(): Promise<void> {
    log.warn(`kernel ${this.pid}: restarting (kill, then start a fresh kernel)`);
    await this.stopProcess(0);
    this.restarts++;
    await this.launch();
  }

  /**
   * Sends shutdown_request on control, waits up to `graceMs` for the process to exit, then kills
   * its process group. Closes the sockets and removes the connection file in every case.
   */
  async shutdown(graceMs: number): Promise<KernelExit> {
    return this.stopProcess(graceMs);
  }

  private async launch(): Promise<void> {
    const { path: connectionFile, info } = await createConnectionFile(os.tmpdir(), this.options.kernelName);
    this.connectionFile = connectionFile;
    let started: KernelProcess | null = null;
    try {
      started = await KernelProcess.start({ command: this.options.command, connectionFile, cwd: this.options.cwd, env: this.options.env });
      this.process = started;
      this.currentClient = new KernelClient(info);
      this.currentClient.connect();
      this.kernelInfo = await this.currentClient.waitForReady(this.options.startTimeoutMs, this.died());
    } catch (err) {
      await this.stopProcess(0);
      if (err instanceof KernelDiedError || started === null) throw err;
      const tail = started.outputTail();
      throw new Error(`${(err as Error).message}${tail ? `; the kernel's last output lines:\n${indent(tail)}` : ''}`);
    }
  }

  private async stopProcess(graceMs: number): Promise<KernelExit> {
    const kernel = this.process;
    try {
      if (kernel === undefined) return { code: null, signal: null };
      if (graceMs > 0 && kernel.exitStatus === null && this.currentClient) {
        try {
          await this.currentClient.request('control', 'shutdown_request', { restart: false }, graceMs, this.died());
          await withTimeout(kernel.exited, graceMs, `no exit within ${graceMs} ms of shutdown_request`);
        } catch (err) {
          log.debug(`kernel ${kernel.pid}: ${(err as Error).message}; killing it`);
        }
      }
      const exit = await kernel.kill();
      // Also ends any child that the kernel left behind in its process group.
      kernel.killGroupMembers();
      return exit;
    } finally {
      this.currentClient?.close();
      if (this.connectionFile) removeConnectionFile(this.connectionFile);
    }
  }

  private describeDeath(kernel: KernelProcess, exit: KernelExit): string {
    const tail = kernel.outputTail();
    return `the kernel (pid ${kernel.pid}) exited with ${describeExit(exit)}${tail ? `; its last output lines:\n${indent(tail)}` : ''}`;
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
