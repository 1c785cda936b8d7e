/**
 * HTTP server of a review session (node:http, no framework), bound to 127.0.0.1 only because it
 * has no authentication. Routes:
 * - GET /, /app.js, /app.css: the review page.
 * - GET /images/<image id>.png: an image of the session, read from its images folder only.
 * - POST /api/reviewer {reviewer}: the reviewer's image order and stored answers.
 * - POST /api/answer {reviewer, imageId, judgment, rating?, comment?}: stores one answer.
 * The answer key is never read here, so no request can reach it.
 */
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { log } from '../util/log';
import { ANSWERS_FILE, AnswersStore, DuplicateAnswerError, ReviewAnswer, validateReviewerName } from './answers-store';
import { REVIEW_PAGE_SCRIPT, REVIEW_PAGE_STYLE, renderReviewPage } from './page';
import { IMAGE_ID_PATTERN, ReviewSession, reviewerImageOrder, reviewSessionDir, sessionImagesDir } from './session';

/** The only address the server binds to. */
export const REVIEW_HOST = '127.0.0.1';
/** Largest request body accepted, in bytes; larger bodies get 413. */
export const MAX_BODY_BYTES = 16 * 1024;

/** Headers sent with every response. */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

export interface ReviewServerOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Must be 127.0.0.1 (the default); any other value is rejected. */
  host?: string;
}

/** A running review server. */
export interface ReviewServer {
  /** Address of the review page, such as http://127.0.0.1:8080/. */
  url: string;
  port: number;
  /** Stored answers, shared with the request handlers. */
  answers: AnswersStore;
  /** Stops accepting connections, ends open ones and resolves once the server is closed. */
  close(): Promise<void>;
}

/** A request that failed with a status and a message for the client. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Starts the review server of `session` on 127.0.0.1. It loads the stored answers first, so
 * that each reviewer continues where they stopped. Rejects any `host` other than 127.0.0.1.
 */
export async function startReviewServer(session: ReviewSession, options: ReviewServerOptions = {}): Promise<ReviewServer> {
  const host = options.host ?? REVIEW_HOST;
  if (host !== REVIEW_HOST) {
    throw new Error(
      `startReviewServer: \`host\` must be ${REVIEW_HOST}, got ${JSON.stringify(host)}; the review server has no authentication, ` +
        `so it listens on the loopback interface only. Let remote reviewers in through an SSH tunnel (ssh -L <port>:${REVIEW_HOST}:<port> <server>)`,
    );
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`startReviewServer: \`port\` must be an integer in [0, 65535], got ${port}`);
  }

  const sessionDir = reviewSessionDir(session.runDir, session.name);
  const imageIds = new Set(session.imageIds);
  const answers = AnswersStore.open(path.join(sessionDir, ANSWERS_FILE), imageIds);
  const imagesDir = fs.realpathSync(sessionImagesDir(session));
  const page = renderReviewPage(session.name, session.imageIds.length, session.height, session.width);
  let allowedHosts: Set<string> = new Set();

  const server = http.createServer((request, response) => {
    handleRequest(request, response).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) log.error(`review server: ${request.method} ${request.url} failed: ${(err as Error).stack ?? String(err)}`);
      else log.debug(`review server: ${request.method} ${request.url} rejected with ${status}: ${(err as Error).message}`);
      if (!response.headersSent) {
        sendJson(response, status, { error: status === 500 ? 'internal server error; see the server log' : (err as Error).message });
      }
    });
  });

  async function handleRequest(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    // A Host other than the listening address comes from a DNS rebinding page or a proxy, so it is rejected.
    if (!allowedHosts.has(request.headers.host ?? '')) {
      throw new HttpError(400, `invalid Host header ${JSON.stringify(request.headers.host)}; open the address the server printed`);
    }
    // A browser names the page's origin in a POST; a page of another site must not post answers.
    const origin = request.headers.origin;
    if (request.method === 'POST' && origin !== undefined && !allowedHosts.has(origin.replace(/^http:\/\//, ''))) {
      throw new HttpError(403, `requests from origin ${JSON.stringify(origin)} are not allowed`);
    }
    const rawUrl = request.url ?? '';
    if (!rawUrl.startsWith('/')) throw new HttpError(400, 'the request target must be a path starting with /');
    const rawPath = rawUrl.split('?')[0];

    if (rawPath.startsWith('/images/')) {
      allowMethods(request, ['GET', 'HEAD']);
      sendImage(request, response, rawPath.slice('/images/'.length));
      return;
    }
    switch (rawPath) {
      case '/':
        allowMethods(request, ['GET', 'HEAD']);
        send(request, response, 200, 'text/html; charset=utf-8', page);
        return;
      case '/app.js':
        allowMethods(request, ['GET', 'HEAD']);
        send(request, response, 200, 'text/javascript; charset=utf-8', REVIEW_PAGE_SCRIPT);
        return;
      case '/app.css':
        allowMethods(request, ['GET', 'HEAD']);
        send(request, response, 200, 'text/css; charset=utf-8', REVIEW_PAGE_STYLE);
        return;
      case '/api/reviewer': {
        allowMethods(request, ['POST']);
        const body = await readJsonBody(request, response);
        let reviewer: string;
        try {
          reviewer = validateReviewerName('review server', (body as Record<string, unknown> | null)?.reviewer);
        } catch (err) {
          throw new HttpError(400, (err as Error).message);
        }
        sendJson(response, 200, {
          reviewer,
          total: session.imageIds.length,
          order: reviewerImageOrder(session, reviewer),
          answers: answers.answersOf(reviewer).map(publicAnswer),
        });
        return;
      }
      case '/api/answer': {
        allowMethods(request, ['POST']);
        const body = await readJsonBody(request, response);
        let answer: ReviewAnswer;
        try {
          answer = answers.append(body);
        } catch (err) {
          throw new HttpError(err instanceof DuplicateAnswerError ? 409 : 400, (err as Error).message);
        }
        log.debug(`review server: stored the answer of ${JSON.stringify(answer.reviewer)} for ${answer.imageId}`);
        sendJson(response, 200, { answer: publicAnswer(answer), answered: answers.answersOf(answer.reviewer).length, total: session.imageIds.length });
        return;
      }
      default:
        throw new HttpError(404, `not found: ${rawPath}`);
    }
  }

  /**
   * Sends one image of the session. The name must decode to `<image id>.png` of a session image.
   * A name that could leave the folder (`..`, a separator or an absolute path, also when
   * percent-encoded) gets 400. The real path, after symbolic links, must still lie inside the
   * images folder.
   */
  function sendImage(request: http.IncomingMessage, response: http.ServerResponse, rawName: string): void {
    let name: string;
    try {
      name = decodeURIComponent(rawName);
    } catch {
      throw new HttpError(400, 'malformed percent-encoding in the image path');
    }
    if (name.includes('..') || /[/\\\0]/.test(name) || path.isAbsolute(name)) {
      log.warn(`review server: rejected the image path ${JSON.stringify(rawName)}, which tries to leave the images folder`);
      throw new HttpError(400, 'invalid image path');
    }
    const imageId = name.endsWith('.png') ? name.slice(0, -'.png'.length) : '';
    if (!IMAGE_ID_PATTERN.test(imageId) || !imageIds.has(imageId)) throw new HttpError(404, `unknown image ${JSON.stringify(name)}`);

    let file: string;
    try {
      file = fs.realpathSync(path.join(imagesDir, name));
    } catch {
      throw new HttpError(404, `image ${imageId} is missing from the images folder`);
    }
    if (path.dirname(file) !== imagesDir || !fs.statSync(file).isFile()) {
      log.warn(`review server: image ${imageId} resolves to ${file}, outside ${imagesDir}; not served`);
      throw new HttpError(404, `unknown image ${JSON.stringify(name)}`);
    }
    send(request, response, 200, 'image/png', fs.readFileSync(file));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, REVIEW_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  allowedHosts = new Set([`${REVIEW_HOST}:${bound}`, `localhost:${bound}`]);
  const url = `http://${REVIEW_HOST}:${bound}/`;
  log.info(
    `review server: session '${session.name}' (${session.imageIds.length} images, ${answers.all().length} answers stored) listening on ${url}`,
  );

  return {
    url,
    port: bound,
    answers,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => {
          if (err) {
            reject(err);
            return;
          }
          log.info(`review server: stopped listening on ${url}`);
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

/** Returns the fields of an answer that the page shows: what the reviewer entered, without the server's time. */
function publicAnswer(answer: ReviewAnswer): Omit<ReviewAnswer, 'answeredAt' | 'reviewer'> {
  return { imageId: answer.imageId, judgment: answer.judgment, rating: answer.rating, comment: answer.comment };
}

function allowMethods(request: http.IncomingMessage, methods: string[]): void {
  if (!methods.includes(request.method ?? '')) {
    throw new HttpError(405, `method ${request.method} not allowed; use ${methods.join(' or ')}`);
  }
}

/**
 * Reads a JSON request body of at most MAX_BODY_BYTES. Rejects other content types (415),
 * larger bodies (413, checked against Content-Length before reading and again while reading)
 * and invalid JSON (400). Requiring application/json also makes a cross-site form post fail:
 * a browser sends that type cross-origin only after a CORS preflight, which this server never
 * approves.
 */
async function readJsonBody(request: http.IncomingMessage, response: http.ServerResponse): Promise<unknown> {
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HttpError(415, `the request body must be application/json, got ${JSON.stringify(request.headers['content-type'] ?? '')}`);
  }
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    closeAfterReply(request, response);
    throw new HttpError(413, `the request body of ${declared} bytes is larger than the limit of ${MAX_BODY_BYTES} bytes`);
  }
  const bytes = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > MAX_BODY_BYTES) {
        request.off('data', onData);
        request.pause();
        closeAfterReply(request, response);
        reject(new HttpError(413, `the request body is larger than the limit of ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('error', reject);
  });
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new HttpError(400, `the request body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Closes the connection once the error reply is sent, instead of reading the rest of a large body. */
function closeAfterReply(request: http.IncomingMessage, response: http.ServerResponse): void {
  response.setHeader('Connection', 'close');
  response.once('finish', () => request.socket.destroy());
}

function send(request: http.IncomingMessage, response: http.ServerResponse, status: number, contentType: string, body: string | Buffer): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': contentType, 'Content-Length': bytes.length });
  response.end(request.method === 'HEAD' ? undefined : bytes);
}

function sendJson(response: http.ServerResponse, status: number, value: unknown): void {
  const bytes = Buffer.from(JSON.stringify(value), 'utf8');
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': bytes.length });
  response.end(bytes);
}
