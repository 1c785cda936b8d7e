/**
 * A scripted Jupyter kernel for the notebook runner's tests. Started as
 *
 *   node fake-kernel.js <connection file> <record file> [--ignore-sigint]
 *
 * it binds the connection file's ports and replies to kernel_info, execute, interrupt and
 * shutdown requests. The code of an execute_request is a JSON array of steps that the kernel
 * performs in order (see Step). Other code gets an 'ok' reply and `status: idle`.
 *
 * It appends one JSON line per event (start, request, sigint, interrupt_request, shutdown) to the
 * record file, so a test can check what the kernel received. It signs with its own few lines of
 * HMAC code, independent of kernel-lib/notebook/hmac.ts.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as zmq from 'zeromq';

/** A request reference: 'self' (the request being executed) or the 1-based number of an execute_request. */
type ParentRef = 'self' | number;

type Step =
  | { stream: 'stdout' | 'stderr'; text: string; parent?: ParentRef; badSignature?: boolean }
  | { display: Record<string, unknown>; displayId?: string; parent?: ParentRef }
  | { update: Record<string, unknown>; displayId: string; parent?: ParentRef }
  | { result: Record<string, unknown>; parent?: ParentRef }
  | { error: { ename: string; evalue: string; traceback: string[] }; parent?: ParentRef }
  | { clear: true; wait?: boolean }
  | { reply: 'ok' | 'error'; ename?: string; evalue?: string; traceback?: string[] }
  | { idle: true; parent?: ParentRef }
  | { sleep: number }
  /** Waits until interrupted (SIGINT or interrupt_request), then replies 'error' and goes idle. */
  | { hang: true }
  /** Waits until the execute_request with this 1-based number has arrived. */
  | { awaitRequest: number }
  | { exit: number };

interface Message {
  identities: Buffer[];
  header: Record<string, unknown>;
  parent: Record<string, unknown>;
  content: Record<string, unknown>;
}

const [connectionFile, recordFile, ...flags] = process.argv.slice(2);
const ignoreSigint = flags.includes('--ignore-sigint');
const connection = JSON.parse(fs.readFileSync(connectionFile, 'utf8'));
const key: string = connection.key;
const DELIMITER = Buffer.from('<IDS|MSG>');

const shell = new zmq.Router({ linger: 0 });
const control = new zmq.Router({ linger: 0 });
const iopub = new zmq.Publisher({ linger: 0 });
const heartbeat = new zmq.Reply({ linger: 0 });

const executeRequests: Message[] = [];
const requestArrived: Array<() => void> = [];
let executionCount = 0;
let interruptCurrent: (() => void) | null = null;

function record(event: Record<string, unknown>): void {
  fs.appendFileSync(recordFile, JSON.stringify({ ...event, pid: process.pid }) + '\n');
}

function sign(frames: Buffer[]): string {
  if (key === '') return '';
  const hmac = crypto.createHmac('sha256', key);
  for (const frame of frames) hmac.update(frame);
  return hmac.digest('hex');
}

function parse(frames: Buffer[]): Message {
  const split = frames.findIndex((frame) => frame.equals(DELIMITER));
  const [signature, header, parent, metadata, content] = frames.slice(split + 1);
  if (signature.toString() !== sign([header, parent, metadata, content])) throw new Error('fake kernel: bad signature from the client');
  return {
    identities: frames.slice(0, split),
    header: JSON.parse(header.toString()),
    parent: JSON.parse(parent.toString()),
    content: JSON.parse(content.toString()),
  };
}

const sendQueues = new Map<zmq.Socket, Promise<void>>();

function send(socket: zmq.Router | zmq.Publisher, identities: Buffer[], msgType: string, parent: Record<string, unknown>, content: object, badSignature = false): Promise<void> {
  const header = { msg_id: crypto.randomUUID(), msg_type: msgType, session: 'fake-kernel', username: 'fake', date: new Date().toISOString(), version: '5.3' };
  const body = [header, parent, {}, content].map((part) => Buffer.from(JSON.stringify(part)));
  const signature = badSignature ? 'f'.repeat(64) : sign(body);
  const frames = [...identities, DELIMITER, Buffer.from(signature), ...body];
  // One pending send per socket, as zeromq requires.
  const next = (sendQueues.get(socket) ?? Promise.resolve()).then(() => socket.send(frames));
  sendQueues.set(socket, next);
  return next;
}

function publish(msgType: string, parent: Record<string, unknown>, content: object, badSignature = false): Promise<void> {
  return send(iopub, [Buffer.from(msgType)], msgType, parent, content, badSignature);
}

function resolveParent(ref: ParentRef | undefined, self: Message): Record<string, unknown> {
  if (ref === undefined || ref === 'self') return self.header;
  const request = executeRequests[ref - 1];
  if (!request) throw new Error(`fake kernel: execute_request ${ref} has not arrived`);
  return request.header;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function runSteps(request: Message, steps: Step[]): Promise<void> {
  for (const step of steps) {
    if ('stream' in step) {
      await publish('stream', resolveParent(step.parent, request), { name: step.stream, text: step.text }, step.badSignature);
    } else if ('display' in step) {
      const transient = step.displayId ? { display_id: step.displayId } : {};
      await publish('display_data', resolveParent(step.parent, request), { data: step.display, metadata: {}, transient });
    } else if ('update' in step) {
      await publish('update_display_data', resolveParent(step.parent, request), { data: step.update, metadata: {}, transient: { display_id: step.displayId } });
    } else if ('result' in step) {
      await publish('execute_result', resolveParent(step.parent, request), { data: step.result, metadata: {}, execution_count: executionCount });
    } else if ('error' in step) {
      await publish('error', resolveParent(step.parent, request), step.error);
    } else if ('clear' in step) {
      await publish('clear_output', request.header, { wait: step.wait === true });
    } else if ('reply' in step) {
      const content = step.reply === 'ok' ? { status: 'ok', execution_count: executionCount } : { status: 'error', execution_count: executionCount, ename: step.ename, evalue: step.evalue, traceback: step.traceback ?? [] };
      await send(shell, request.identities, 'execute_reply', request.header, content);
    } else if ('idle' in step) {
      await publish('status', resolveParent(step.parent, request), { execution_state: 'idle' });
    } else if ('sleep' in step) {
      await sleep(step.sleep);
    } else if ('hang' in step) {
      await new Promise<void>((resolve) => (interruptCurrent = resolve));
      interruptCurrent = null;
      await publish('stream', request.header, { name: 'stderr', text: 'KeyboardInterrupt\n' });
      await send(shell, request.identities, 'execute_reply', request.header, { status: 'error', execution_count: executionCount, ename: 'KeyboardInterrupt', evalue: '', traceback: [] });
      await publish('status', request.header, { execution_state: 'idle' });
    } else if ('awaitRequest' in step) {
      while (executeRequests.length < step.awaitRequest) await new Promise<void>((resolve) => requestArrived.push(resolve));
    } else if ('exit' in step) {
      process.exit(step.exit);
    }
  }
}

async function handleShell(request: Message): Promise<void> {
  const type = request.header.msg_type;
  await publish('status', request.header, { execution_state: 'busy' });
  if (type === 'kernel_info_request') {
    await send(shell, request.identities, 'kernel_info_reply', request.header, {
      status: 'ok',
      protocol_version: '5.3',
      implementation: 'fake-kernel',
      language_info: { name: 'fake', file_extension: '.fake' },
    });
    await publish('status', request.header, { execution_state: 'idle' });
    return;
  }
  if (type !== 'execute_request') return;

  executionCount++;
  await publish('execute_input', request.header, { code: request.content.code, execution_count: executionCount });
  let steps: Step[];
  try {
    const parsed: unknown = JSON.parse(String(request.content.code));
    steps = Array.isArray(parsed) ? (parsed as Step[]) : [{ reply: 'ok' }, { idle: true }];
  } catch {
    steps = [{ reply: 'ok' }, { idle: true }];
  }
  await runSteps(request, steps);
}

async function readShell(): Promise<void> {
  // Requests are received as they arrive but executed one at a time, as a real kernel does.
  let queue = Promise.resolve();
  for await (const frames of shell) {
    const request = parse(frames);
    if (request.header.msg_type === 'execute_request') {
      record({ event: 'request', msg_type: 'execute_request', content: request.content });
      executeRequests.push(request);
      for (const wake of requestArrived.splice(0)) wake();
    }
    queue = queue.then(() => handleShell(request));
  }
}

async function readControl(): Promise<void> {
  for await (const frames of control) {
    const request = parse(frames);
    const type = request.header.msg_type;
    if (type === 'interrupt_request') {
      record({ event: 'interrupt_request' });
      await send(control, request.identities, 'interrupt_reply', request.header, { status: 'ok' });
      interruptCurrent?.();
    } else if (type === 'shutdown_request') {
      record({ event: 'shutdown' });
      await send(control, request.identities, 'shutdown_reply', request.header, { status: 'ok', restart: false });
      await sleep(20);
      process.exit(0);
    }
  }
}

async function echoHeartbeat(): Promise<void> {
  for await (const frames of heartbeat) await heartbeat.send(frames);
}

process.on('SIGINT', () => {
  record({ event: 'sigint', ignored: ignoreSigint });
  if (!ignoreSigint) interruptCurrent?.();
});

async function main(): Promise<void> {
  const address = (port: number) => `tcp://${connection.ip}:${port}`;
  await Promise.all([
    shell.bind(address(connection.shell_port)),
    control.bind(address(connection.control_port)),
    iopub.bind(address(connection.iopub_port)),
    heartbeat.bind(address(connection.hb_port)),
  ]);
  record({ event: 'start', cwd: process.cwd() });
  void readShell();
  void readControl();
  void echoHeartbeat();
}

void main();
