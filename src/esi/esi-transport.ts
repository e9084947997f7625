import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Dispatcher } from 'undici';
import type { EsiClock } from './clock.js';
import type { EsiHeaders } from './types.js';

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const brotliDecompress = promisify(zlib.brotliDecompress);

/** One attempt, fully read: headers are known whenever a status is. */
export type AttemptOutcome =
  | {
      readonly kind: 'response';
      readonly status: number;
      readonly headers: EsiHeaders;
      readonly body: Buffer;
      readonly receivedAt: Date;
    }
  /** No usable response: transport error, timeout, truncated or undecodable body. */
  | {
      readonly kind: 'failure';
      readonly reason: string;
      readonly status: number | null;
      readonly headers: EsiHeaders | null;
    };

export interface AttemptRequest {
  readonly origin: string;
  readonly path: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

class AttemptTimeout extends Error {
  constructor(ms: number) {
    super(`timeout after ${ms} ms`);
    this.name = 'AttemptTimeout';
  }
}

function normaliseHeaders(raw: Record<string, string | string[] | undefined>): EsiHeaders {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

async function decode(body: Buffer, encoding: string | undefined): Promise<Buffer> {
  const coding = (encoding ?? '').trim().toLowerCase();
  if (body.length === 0 || coding === '' || coding === 'identity') return body;
  if (coding === 'gzip' || coding === 'x-gzip') return gunzip(body);
  if (coding === 'deflate') return inflate(body);
  if (coding === 'br') return brotliDecompress(body);
  throw new Error(`unsupported content-encoding ${coding}`);
}

function describe(error: unknown): string {
  if (error instanceof AttemptTimeout) return error.message;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' ? `${code}: ${message}` : message;
}

/**
 * Sends one attempt and reads its body to the end. ESI_TIMEOUT_MS bounds connect through last body
 * byte; the abort destroys the socket (undici cannot reuse a connection with a request cut off
 * mid-flight), so a hung ESI node cannot pin a pool connection.
 */
export async function sendAttempt(
  dispatcher: Dispatcher,
  request: AttemptRequest,
  timeoutMs: number,
  clock: EsiClock,
  cancel: AbortSignal,
): Promise<AttemptOutcome> {
  const abort = new AbortController();
  const timerDone = new AbortController();
  void clock.sleep(timeoutMs, timerDone.signal).then(() => {
    if (!timerDone.signal.aborted) abort.abort(new AttemptTimeout(timeoutMs));
  });
  const onCancel = () => abort.abort(cancel.reason);
  if (cancel.aborted) onCancel();
  else cancel.addEventListener('abort', onCancel, { once: true });
  let status: number | null = null;
  let headers: EsiHeaders | null = null;
  let raw: Buffer;
  let receivedAt: Date;
  try {
    const response = await dispatcher.request({
      origin: request.origin,
      path: request.path,
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: abort.signal,
    });
    status = response.statusCode;
    headers = normaliseHeaders(response.headers);
    raw = Buffer.from(await response.body.arrayBuffer());
    receivedAt = new Date(clock.now());
  } catch (error) {
    if (status !== null && headers !== null && (status < 200 || status > 299)) {
      return { kind: 'response', status, headers, body: Buffer.alloc(0), receivedAt: new Date(clock.now()) };
    }
    const reason = abort.signal.aborted && abort.signal.reason instanceof AttemptTimeout ? abort.signal.reason.message : describe(error);
    return { kind: 'failure', reason: status === null ? reason : `body: ${reason}`, status, headers };
  } finally {
    timerDone.abort();
    cancel.removeEventListener('abort', onCancel);
  }
  // Only success bodies are used; an error status is an answer whatever its body looks like.
  if (status < 200 || status > 299) return { kind: 'response', status, headers, body: Buffer.alloc(0), receivedAt };
  // A body cut short under a declared length is never decoded or parsed. (204 has no body by definition.)
  const declared = headers['content-length'];
  if (status !== 204 && declared !== undefined && /^\d+$/.test(declared) && Number(declared) !== raw.length) {
    return { kind: 'failure', reason: `truncated body (${raw.length} of ${declared} bytes)`, status, headers };
  }
  try {
    const body = await decode(raw, headers['content-encoding']);
    return { kind: 'response', status, headers, body, receivedAt };
  } catch (error) {
    return { kind: 'failure', reason: `decompression error: ${describe(error)}`, status, headers };
  }
}
