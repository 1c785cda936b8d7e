/**
 * A client of one running kernel over the Jupyter messaging protocol v5.3: Dealer sockets for
 * shell and control, a Subscriber for iopub, and a Request socket for the heartbeat. Requests
 * carry `allow_stdin: false`, so no stdin socket is connected.
 *
 * Every iopub message is routed by its `parent_header.msg_id` to the request that caused it,
 * never to whichever request happens to be running when it arrives.
 */
import * as crypto from 'crypto';
import * as zmq from 'zeromq';
import { log } from '../util/log';
import { ConnectionInfo } from './connection';
import { JupyterMessage, MessageSignatureError, createMessage, deserializeMessage, serializeMessage } from './wire';

/** iopub message types that become notebook outputs of the cell that sent the request. */
export const OUTPUT_MSG_TYPES = ['stream', 'display_data', 'update_display_data', 'execute_result', 'error', 'clear_output'] as const;
export type OutputMsgType = (typeof OUTPUT_MSG_TYPES)[number];

/** Signature failures logged one by one; later ones are only counted in `droppedMessages`. */
const MAX_SIGNATURE_WARNINGS = 3;

/** Content of an execute_reply; fields are fixed by the protocol. */
export interface ExecuteReplyContent {
  status: 'ok' | 'error' | 'abort' | string;
  execution_count?: number | null;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

/** An execution that has both its execute_reply and its `status: idle`. */
export interface ExecutionResult {
  reply: ExecuteReplyContent;
  /** From the reply, else from execute_input; null when the kernel sent neither. */
  executionCount: number | null;
  /** Date.now() when the second of the two messages arrived. */
  finishedAt: number;
}

export interface ExecuteOptions {
  /** Called with each output message whose parent is this request, until the grace window closes. */
  onOutput: (message: JupyterMessage) => void;
  /** Milliseconds after completion during which outputs are still passed to `onOutput`. */
  graceMs: number;
}

/** One execute_request in flight or finished. */
export class Execution {
  /** Resolves once both the execute_reply (shell) and `status: idle` (iopub) have arrived, in either order. */
  readonly done: Promise<ExecutionResult>;
  /** Outputs that arrived after the grace window; they were not passed to `onOutput`. */
  lateOutputs = 0;
  private reply: ExecuteReplyContent | null = null;
  private idle = false;
  private inputCount: number | null = null;
  private finishedAt: number | null = null;
  private resolve!: (result: ExecutionResult) => void;

  constructor(
    /** msg_id of the execute_request. */
    readonly msgId: string,
    private readonly options: ExecuteOptions,
  ) {
    this.done = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  get finished(): boolean {
    return this.finishedAt !== null;
  }

  /** Handles one message whose parent is this request; returns false when it was an output counted as late. */
  handle(message: JupyterMessage, channel: 'shell' | 'iopub'): boolean {
    const type = message.header.msg_type;
    if (channel === 'shell' && type === 'execute_reply') {
      this.reply = message.content as unknown as ExecuteReplyContent;
      this.completeIfReady();
      return true;
    }
    if (channel !== 'iopub') return true;

    if (type === 'status') {
      if (message.content.execution_state === 'idle') {
        this.idle = true;
        this.completeIfReady();
      }
      return true;
    }
    if (type === 'execute_input') {
      const count = message.content.execution_count;
      if (typeof count === 'number') this.inputCount = count;
      return true;
    }
    if (!(OUTPUT_MSG_TYPES as readonly string[]).includes(type)) return true;

    if (this.finishedAt !== null && Date.now() - this.finishedAt > this.options.graceMs) {
      this.lateOutputs++;
      return false;
    }
    this.options.onOutput(message);
    return true;
  }

  private completeIfReady(): void {
    if (this.reply === null || !this.idle || this.finishedAt !== null) return;
    this.finishedAt = Date.now();
    const replyCount = this.reply.execution_count;
    this.resolve({
      reply: this.reply,
      executionCount: typeof replyCount === 'number' ? replyCount : this.inputCount,
      finishedAt: this.finishedAt,
    });
  }
}

export class KernelClient {
  /** Messages rejected because their signature did not match the key. */
  droppedMessages = 0;
  /** Output messages whose parent is no request of this client. */
  unroutedOutputs = 0;
  /** The session id sent in every header. */
  readonly session = crypto.randomUUID();

  private shell: zmq.Dealer | null = null;
  private control: zmq.Dealer | null = null;
  private iopub: zmq.Subscriber | null = null;
  private readonly executions = new Map<string, Execution>();
  private readonly replyWaiters = new Map<string, (message: JupyterMessage) => void>();
  private readonly iopubWaiters = new Map<string, () => void>();
  private readonly sendQueues = new Map<zmq.Socket, Promise<void>>();
  private closed = false;

  constructor(readonly connection: ConnectionInfo) {}

  /** Connects the shell, control and iopub sockets and starts reading them. */
  connect(): void {
    if (this.shell !== null) throw new Error('KernelClient.connect: already connected; create a new client for a new kernel');
    const address = (port: number) => `${this.connection.transport}://${this.connection.ip}:${port}`;

    // linger 0: close() drops unsent messages at once, so a dead kernel cannot keep this process alive.
    this.shell = new zmq.Dealer({ linger: 0 });
    this.control = new zmq.Dealer({ linger: 0 });
    this.iopub = new zmq.Subscriber({ linger: 0 });
    this.iopub.subscribe();
    this.shell.connect(address(this.connection.shell_port));
    this.control.connect(address(this.connection.control_port));
    this.iopub.connect(address(this.connection.iopub_port));

    void this.readLoop(this.shell, 'shell');
    void this.readLoop(this.control, 'control');
    void this.readLoop(this.iopub, 'iopub');
  }

  /**
   * Sends an execute_request for `code` with silent false, store_history true, allow_stdin false
   * and stop_on_error true.
   */
  execute(code: string, options: ExecuteOptions): Execution {
    const message = createMessage(
      'execute_request',
      { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true },
      { session: this.session },
    );
    const execution = new Execution(message.header.msg_id, options);
    this.executions.set(execution.msgId, execution);
    this.send(this.requireSocket(this.shell, 'execute'), message);
    return execution;
  }

  /**
   * Sends a request on shell or control and waits for the reply whose parent is that request.
   * Rejects after `timeoutMs` without one, or as soon as `stop` rejects (for example, when the
   * kernel exits), so that no timer is left running.
   */
  async request(channel: 'shell' | 'control', msgType: string, content: object, timeoutMs: number, stop?: Promise<never>): Promise<JupyterMessage> {
    const socket = this.requireSocket(channel === 'shell' ? this.shell : this.control, 'request');
    const message = createMessage(msgType, content, { session: this.session });
    const msgId = message.header.msg_id;
    const reply = new Promise<JupyterMessage>((resolve) => this.replyWaiters.set(msgId, resolve));
    this.send(socket, message);
    try {
      const replyOrStop = stop ? Promise.race([reply, stop]) : reply;
      return await withTimeout(replyOrStop, timeoutMs, `KernelClient.request: no reply to ${msgType} on ${channel} within ${timeoutMs} ms`);
    } finally {
      this.replyWaiters.delete(msgId);
    }
  }

  /**
   * Waits until the kernel replies to a kernel_info_request on shell and its iopub messages reach
   * this client. A subscriber misses what is published before its subscription is in place, so
   * the request is repeated until one of its `status` messages arrives. Returns the
   * kernel_info_reply. Rejects when `stop` rejects (for example, when the kernel exits) or after
   * `timeoutMs`.
   */
  async waitForReady(timeoutMs: number, stop: Promise<never>): Promise<JupyterMessage> {
    const deadline = Date.now() + timeoutMs;
    const timeoutMessage = `KernelClient.waitForReady: no reply to kernel_info_request within ${timeoutMs} ms`;
    const info = await this.request('shell', 'kernel_info_request', {}, timeoutMs, stop);

    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(timeoutMessage);
      const message = createMessage('kernel_info_request', {}, { session: this.session });
      const seen = new Promise<void>((resolve) => this.iopubWaiters.set(message.header.msg_id, resolve));
      this.send(this.requireSocket(this.shell, 'waitForReady'), message);
      try {
        await withTimeout(Promise.race([seen, stop]), Math.min(500, remaining), timeoutMessage);
        return info;
      } catch (err) {
        if ((err as Error).message !== timeoutMessage) throw err;
      } finally {
        this.iopubWaiters.delete(message.header.msg_id);
      }
    }
  }

  /** Sends one heartbeat ping; returns whether the kernel echoed it within `timeoutMs`. */
  async ping(timeoutMs: number): Promise<boolean> {
    // A fresh socket per ping: a Request socket that missed its reply cannot send again.
    const socket = new zmq.Request({ linger: 0, receiveTimeout: timeoutMs, sendTimeout: timeoutMs });
    try {
      socket.connect(`${this.connection.transport}://${this.connection.ip}:${this.connection.hb_port}`);
      const payload = Buffer.from(crypto.randomUUID(), 'utf8');
      await socket.send(payload);
      const [echo] = await socket.receive();
      return echo.equals(payload);
    } catch {
      return false;
    } finally {
      socket.close();
    }
  }

  /** Closes every socket; messages not yet sent are dropped. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const socket of [this.shell, this.control, this.iopub]) socket?.close();
    if (this.droppedMessages > MAX_SIGNATURE_WARNINGS) {
      log.warn(`kernel client: dropped ${this.droppedMessages} messages with an invalid signature in all`);
    }
  }

  private requireSocket<S extends zmq.Socket>(socket: S | null, caller: string): S {
    if (this.closed) throw new Error(`KernelClient.${caller}: the client is closed; start a new kernel client`);
    if (socket === null) throw new Error(`KernelClient.${caller}: not connected; call connect() first`);
    return socket;
  }

  /** Queues a send, because a zeromq socket accepts one pending send at a time. */
  private send(socket: zmq.Dealer, message: JupyterMessage<object>): void {
    const frames = serializeMessage(message, this.connection.key);
    const previous = this.sendQueues.get(socket) ?? Promise.resolve();
    const next = previous.then(
      () => socket.send(frames),
      () => socket.send(frames),
    );
    this.sendQueues.set(
      socket,
      next.catch((err) => {
        if (!this.closed) log.error(`kernel client: could not send ${message.header.msg_type}: ${(err as Error).message}`);
      }),
    );
  }

  private async readLoop(socket: zmq.Socket & AsyncIterable<Buffer[]>, channel: 'shell' | 'control' | 'iopub'): Promise<void> {
    try {
      for await (const frames of socket) this.dispatch(frames, channel);
    } catch (err) {
      if (!this.closed) log.error(`kernel client: reading the ${channel} socket failed: ${(err as Error).message}`);
    }
  }

  private dispatch(frames: Buffer[], channel: 'shell' | 'control' | 'iopub'): void {
    let message: JupyterMessage;
    try {
      message = deserializeMessage(frames, this.connection.key);
    } catch (err) {
      if (err instanceof MessageSignatureError) {
        this.droppedMessages++;
        if (this.droppedMessages <= MAX_SIGNATURE_WARNINGS) log.warn(`kernel client: dropped a ${channel} message: ${err.message}`);
      } else {
        log.warn(`kernel client: dropped an unreadable ${channel} message: ${(err as Error).message}`);
      }
      return;
    }

    const parentId = message.parent_header.msg_id;
    if (parentId === undefined) {
      log.debug(`kernel client: ${channel} ${message.header.msg_type} without parent ignored`);
      return;
    }

    if (channel === 'iopub') this.iopubWaiters.get(parentId)?.();
    const waiter = channel !== 'iopub' ? this.replyWaiters.get(parentId) : undefined;
    if (waiter) {
      waiter(message);
      return;
    }

    const execution = this.executions.get(parentId);
    if (execution && channel !== 'control') {
      const kept = execution.handle(message, channel);
      if (!kept && execution.lateOutputs === 1) {
        log.warn(`kernel client: a ${message.header.msg_type} output for request ${parentId} arrived after the grace window; late outputs are counted, not kept`);
      }
      return;
    }
    if (channel === 'iopub' && (OUTPUT_MSG_TYPES as readonly string[]).includes(message.header.msg_type)) {
      this.unroutedOutputs++;
      log.warn(`kernel client: ${message.header.msg_type} output for unknown request ${parentId} ignored`);
      return;
    }
    log.debug(`kernel client: ${channel} ${message.header.msg_type} for request ${parentId} ignored`);
  }
}

/** Races `promise` against a timer that rejects with `message`; the timer is cleared when `promise` settles first. */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
