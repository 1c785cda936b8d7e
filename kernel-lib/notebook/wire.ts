/**
 * Serialises and parses the multipart frames of a Jupyter message (messaging protocol v5.3):
 *
 *   [...routing identities, '<IDS|MSG>', signature, header, parent_header, metadata, content, ...buffers]
 *
 * The four JSON frames are signed as the exact bytes that travel (see hmac.ts), so a message is
 * serialised once and its signature computed over those frames.
 */
import * as crypto from 'crypto';
import { signMessage, verifySignature } from './hmac';

/** The delimiter between the routing prefix and the message proper. */
export const DELIMITER = Buffer.from('<IDS|MSG>', 'utf8');

/** Version of the messaging protocol that this client speaks. */
export const PROTOCOL_VERSION = '5.3';

/** Message header; field names are fixed by the protocol. */
export interface MessageHeader {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  /** ISO 8601 timestamp. */
  date: string;
  version: string;
}

/** One decoded message. `parent_header` is `{}` for a message that replies to no request. */
export interface JupyterMessage<Content = Record<string, unknown>> {
  /** Routing prefix before the delimiter: socket identities, or the topic on iopub. */
  identities: Buffer[];
  header: MessageHeader;
  parent_header: Partial<MessageHeader>;
  metadata: Record<string, unknown>;
  content: Content;
  /** Binary buffers after the content frame; they are not signed. */
  buffers: Buffer[];
}

/** Thrown by deserializeMessage when a signed message's signature does not match its frames. */
export class MessageSignatureError extends Error {
  constructor(
    message: string,
    /** Header of the rejected message, when it was readable. */
    readonly msgType: string | null,
  ) {
    super(message);
    this.name = 'MessageSignatureError';
  }
}

export interface CreateMessageOptions {
  session: string;
  username?: string;
  /** Header of the request that this message replies to; omitted for a new request. */
  parent?: MessageHeader;
  metadata?: Record<string, unknown>;
  buffers?: Buffer[];
  /** Routing identities to put before the delimiter. */
  identities?: Buffer[];
}

/** Creates a message with a fresh header: a random UUID as msg_id and the current time. */
export function createMessage<Content extends object>(msgType: string, content: Content, options: CreateMessageOptions): JupyterMessage<Content> {
  if (typeof msgType !== 'string' || msgType === '') {
    throw new Error(`createMessage: \`msgType\` must be a message type such as 'execute_request', got ${JSON.stringify(msgType)}`);
  }
  if (typeof options?.session !== 'string' || options.session === '') {
    throw new Error(`createMessage: \`options.session\` must be a non-empty session id, got ${JSON.stringify(options?.session)}`);
  }
  // The key order matches the header that jupyter_client writes, so signatures are reproducible.
  const header: MessageHeader = {
    msg_id: crypto.randomUUID(),
    msg_type: msgType,
    session: options.session,
    username: options.username ?? 'medsynth',
    date: new Date().toISOString(),
    version: PROTOCOL_VERSION,
  };
  return {
    identities: options.identities ?? [],
    header,
    parent_header: options.parent ?? {},
    metadata: options.metadata ?? {},
    content,
    buffers: options.buffers ?? [],
  };
}

/** Serialises a message into multipart frames, signed with `key` (unsigned when `key` is empty). */
export function serializeMessage(message: JupyterMessage<object>, key: string): Buffer[] {
  const header = Buffer.from(JSON.stringify(message.header), 'utf8');
  const parentHeader = Buffer.from(JSON.stringify(message.parent_header ?? {}), 'utf8');
  const metadata = Buffer.from(JSON.stringify(message.metadata ?? {}), 'utf8');
  const content = Buffer.from(JSON.stringify(message.content ?? {}), 'utf8');
  const signature = signMessage(key, [header, parentHeader, metadata, content]);
  return [...(message.identities ?? []), DELIMITER, Buffer.from(signature, 'utf8'), header, parentHeader, metadata, content, ...(message.buffers ?? [])];
}

/**
 * Parses multipart frames into a message. Throws MessageSignatureError when the signature does
 * not match `key`, and an Error when the frames are not a Jupyter message (no delimiter, fewer
 * than five frames after it, or a JSON frame that does not parse to an object).
 */
export function deserializeMessage(frames: readonly Buffer[], key: string): JupyterMessage {
  const delimiterIndex = frames.findIndex((frame) => frame.equals(DELIMITER));
  if (delimiterIndex < 0) {
    throw new Error(`deserializeMessage: no '<IDS|MSG>' delimiter among ${frames.length} frames; the peer does not speak the Jupyter wire protocol`);
  }
  // signature, header, parent_header, metadata, content
  const body = frames.slice(delimiterIndex + 1);
  if (body.length < 5) {
    throw new Error(`deserializeMessage: expected at least 5 frames after the delimiter, got ${body.length}`);
  }
  const [signatureFrame, header, parentHeader, metadata, content] = body;

  if (!verifySignature(key, signatureFrame.toString('utf8'), [header, parentHeader, metadata, content])) {
    throw new MessageSignatureError(
      `deserializeMessage: invalid signature on a message of type ${readMsgType(header) ?? '(unreadable header)'}; ` +
        'the sender does not use the key of this connection file',
      readMsgType(header),
    );
  }

  return {
    identities: frames.slice(0, delimiterIndex),
    header: parseJsonFrame(header, 'header') as unknown as MessageHeader,
    parent_header: parseJsonFrame(parentHeader, 'parent_header') as Partial<MessageHeader>,
    metadata: parseJsonFrame(metadata, 'metadata'),
    content: parseJsonFrame(content, 'content'),
    buffers: body.slice(5),
  };
}

function parseJsonFrame(frame: Buffer, name: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(frame.toString('utf8'));
  } catch (err) {
    throw new Error(`deserializeMessage: the ${name} frame is not valid JSON (${(err as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`deserializeMessage: the ${name} frame must be a JSON object, got ${JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}

function readMsgType(header: Buffer): string | null {
  try {
    const type = JSON.parse(header.toString('utf8')).msg_type;
    return typeof type === 'string' ? type : null;
  } catch {
    return null;
  }
}
