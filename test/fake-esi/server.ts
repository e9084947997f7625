/**
 * The HTTP side of the fake ESI: routing (at `/` and under the base path), the gates every ESI
 * request passes (error budget, manners, downtime, transport and status faults), latency, and the
 * one place replies are written (gzip, error-limit headers, truncation).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { httpDate } from './clock.js';
import { FaultHook, type RequestInfo } from './faults.js';
import { errorReply, gzip, type FakeEnv, type Reply } from './reply.js';
import { bidsPage } from './bids.js';
import { itemsPage, listingPage } from './routes-contracts.js';
import { category, group, names, regionList, station, type } from './routes-universe.js';
import type { EsiRouteId, FaultSpec, LoggedStatus, RequestLogEntry } from './types.js';

interface RouteDef {
  readonly route: EsiRouteId;
  readonly pattern: RegExp;
  readonly method: 'GET' | 'POST';
}

const ROUTES: readonly RouteDef[] = [
  { route: 'E2', pattern: /^\/contracts\/public\/items\/(\d+)$/, method: 'GET' },
  { route: 'E9', pattern: /^\/contracts\/public\/bids\/(\d+)$/, method: 'GET' },
  { route: 'E1', pattern: /^\/contracts\/public\/(\d+)$/, method: 'GET' },
  { route: 'E3', pattern: /^\/universe\/names$/, method: 'POST' },
  { route: 'E4', pattern: /^\/universe\/stations\/(\d+)$/, method: 'GET' },
  { route: 'E5', pattern: /^\/universe\/types\/(\d+)$/, method: 'GET' },
  { route: 'E6', pattern: /^\/universe\/groups\/(\d+)$/, method: 'GET' },
  { route: 'E7', pattern: /^\/universe\/categories\/(\d+)$/, method: 'GET' },
  { route: 'E8', pattern: /^\/universe\/regions\/?$/, method: 'GET' },
];

/** Request headers kept in the log: what docs/sync.md §3.1 says a client must (or must not) send. */
const LOGGED_HEADERS = [
  'user-agent', 'x-compatibility-date', 'accept', 'accept-encoding', 'accept-language', 'content-type', 'if-none-match',
  'cache-control', 'authorization',
];

const TERMINAL: readonly FaultSpec['kind'][] = ['hang', 'reset', 'status', 'error-limit', 'rate-limit'];
const ERROR_LIMITED =
  'This software has exceeded the error limit for ESI. If you are a user, please contact the maker of this software.';

export type ControlHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  subPath: string,
  url: URL,
  body: Buffer,
) => void;

type Outcome = { reply: Reply; delivery: 'normal' | 'truncate' | 'corrupt-gzip' } | { transport: 'hang' | 'reset' };

/** `/esi/contracts/...` → `/contracts/...` when the base path is `/esi`; other paths unchanged. */
export function stripBase(path: string, basePath: string): string {
  if (basePath === '' || basePath === '/') return path;
  if (path === basePath) return '/';
  return path.startsWith(`${basePath}/`) ? path.slice(basePath.length) : path;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function latencyMs(env: FakeEnv, route: EsiRouteId | 'unknown'): number {
  const option = env.options.latency;
  const base = typeof option === 'number' ? option : ((route === 'unknown' ? undefined : option[route]) ?? option.default ?? 0);
  const jitter = env.options.jitter > 0 ? (env.jitterRng.next() * 2 - 1) * env.options.jitter : 0;
  return Math.max(0, base + jitter);
}

function faultReply(env: FakeEnv, spec: FaultSpec): Reply {
  switch (spec.kind) {
    case 'status': {
      const status = spec.status ?? 503;
      if (status === 204 || status === 304) return { status, headers: {}, body: null };
      const body = spec.body === null ? null : Buffer.from(spec.body ?? JSON.stringify({ error: `Injected ${status}` }));
      return { status, headers: {}, body };
    }
    case 'error-limit':
      return errorReply(420, ERROR_LIMITED, {
        'x-esi-error-limit-remain': '0',
        'x-esi-error-limit-reset': spec.reset === null ? null : String(spec.reset ?? 37),
      });
    case 'rate-limit': {
      const headers: Record<string, string | null> = {};
      if (spec.retryAfterDate !== undefined) headers['retry-after'] = httpDate(env.clock.now() + spec.retryAfterDate * 1000);
      else if (spec.retryAfter !== null) headers['retry-after'] = String(spec.retryAfter ?? 60);
      if (spec.group !== undefined) headers['x-ratelimit-group'] = spec.group;
      if (spec.limit !== undefined) headers['x-ratelimit-limit'] = spec.limit;
      if (spec.remaining !== undefined) headers['x-ratelimit-remaining'] = String(spec.remaining);
      return errorReply(429, 'Too many requests', headers);
    }
    default:
      return errorReply(500, `fault ${spec.kind} is not a status fault`);
  }
}

function etagMatches(ifNoneMatch: string, etag: string | null | undefined): boolean {
  if (!etag) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t.replace(/^W\//, '') === etag;
  });
}

/** Decides the answer of one ESI request (everything but latency and writing). */
function decide(
  env: FakeEnv,
  req: IncomingMessage,
  def: RouteDef | undefined,
  id: number,
  raw: Buffer,
  entry: RequestLogEntry,
): { outcome: Outcome; hook?: FaultHook } {
  const now = env.clock.now();
  const normal = (reply: Reply): Outcome => ({ reply, delivery: 'normal' });
  const missingUa = !header(req, 'user-agent');
  const missingDate = !header(req, 'x-compatibility-date');
  env.recorder.manners(missingUa, missingDate);
  if (env.limiter.blocked(now)) {
    env.recorder.errorLimited();
    return { outcome: normal(errorReply(420, ERROR_LIMITED, { 'x-esi-error-limit-remain': '0' })) };
  }
  if (missingUa || missingDate) {
    return { outcome: normal(errorReply(400, `Missing ${missingUa ? 'User-Agent' : 'X-Compatibility-Date'} header`)) };
  }
  if (!def) return { outcome: normal(errorReply(404, 'Not found')) };
  if (req.method !== def.method) return { outcome: normal(errorReply(405, 'Method not allowed', { allow: def.method })) };
  const paged = def.route === 'E1' || def.route === 'E2' || def.route === 'E9';
  if (paged && entry.query.page === undefined) env.recorder.missingPage();
  const page = entry.query.page === undefined ? 1 : Number(entry.query.page);
  if (!Number.isSafeInteger(page) || page < 1) return { outcome: normal(errorReply(400, 'Invalid page')) };

  const info: RequestInfo = {
    route: def.route,
    esiPath: entry.esiPath,
    regionId: entry.regionId,
    page,
    contractId: entry.contractId,
  };
  const hook = new FaultHook(env.faults, env.faults.candidates(info));
  if (hook.take('downtime')) {
    return { outcome: normal(errorReply(503, 'The datasource tranquility is temporarily unavailable')), hook };
  }
  if (def.route === 'E1' && env.recorder.checkEarly(id, page, now)) entry.early = true;
  if (def.route === 'E9' && env.recorder.checkEarlyBids(id, page, now)) entry.early = true;
  const terminal = hook.takeAny(TERMINAL);
  if (terminal?.kind === 'hang' || terminal?.kind === 'reset') return { outcome: { transport: terminal.kind }, hook };
  if (terminal) return { outcome: normal(faultReply(env, terminal)), hook };

  let reply: Reply;
  switch (def.route) {
    case 'E1': reply = listingPage(env, id, page, hook); break;
    case 'E2': reply = itemsPage(env, id, page, hook); break;
    case 'E3': reply = names(env, raw, hook); break;
    case 'E4': reply = station(env, id); break;
    case 'E5': reply = type(env, id); break;
    case 'E6': reply = group(env, id); break;
    case 'E7': reply = category(env, id); break;
    case 'E8': reply = regionList(env); break;
    case 'E9': reply = bidsPage(env, id, page, hook); break;
  }
  const inm = header(req, 'if-none-match');
  if (reply.status === 200 && inm !== undefined && (etagMatches(inm, reply.headers.etag) || hook.take('not-modified'))) {
    reply = { ...reply, status: 304, body: null };
  }
  const delivery = hook.take('truncate') ? 'truncate' : hook.take('corrupt-gzip') ? 'corrupt-gzip' : 'normal';
  return { outcome: { reply, delivery }, hook };
}

/** Writes a reply; returns the status to log. */
function send(
  env: FakeEnv,
  req: IncomingMessage,
  res: ServerResponse,
  outcome: Exclude<Outcome, { transport: string }>,
  hook: FaultHook | undefined,
  seq: number,
): LoggedStatus {
  const { reply, delivery } = outcome;
  const now = env.clock.now();
  env.limiter.record(reply.status, now);
  const headers: Record<string, string | null> = {
    date: httpDate(now),
    'x-esi-error-limit-remain': String(env.limiter.remain(now)),
    'x-esi-error-limit-reset': String(env.limiter.resetSeconds(now)),
    'x-esi-request-id': `fake-${env.options.seed}-${seq}`,
    ...reply.headers,
  };
  let payload: Buffer | null = null;
  const bodyless = reply.status === 204 || reply.status === 304;
  if (!bodyless && reply.body) {
    payload = reply.body;
    if (payload.length > 0) {
      headers['content-type'] = 'application/json; charset=UTF-8';
      if (delivery === 'corrupt-gzip') {
        const gz = Buffer.from(gzip(payload));
        gz.fill(0xff, 10, Math.min(gz.length - 8, 40));
        payload = gz;
        headers['content-encoding'] = 'gzip';
      } else if (/\bgzip\b/i.test(header(req, 'accept-encoding') ?? '')) {
        payload = reply.gzip ? reply.gzip() : gzip(payload);
        headers['content-encoding'] = 'gzip';
        headers.vary = 'Accept-Encoding';
      }
    }
    headers['content-length'] = String(payload.length);
  }
  const override = hook?.take('headers');
  if (override) {
    for (const name of override.remove ?? []) headers[name.toLowerCase()] = null;
    for (const [name, value] of Object.entries(override.set ?? {})) headers[name.toLowerCase()] = value;
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== null) out[name] = value;
  res.writeHead(reply.status, out);
  if (delivery === 'truncate' && payload && payload.length > 0) {
    res.write(payload.subarray(0, Math.floor(payload.length / 2)), () => res.socket?.destroy());
    return 'truncated';
  }
  res.end(payload ?? undefined);
  return reply.status;
}

/** The request handler for the whole server; `control` serves `/_fake/...`. */
export function createHandler(env: FakeEnv, control: ControlHandler, hanging: Set<ServerResponse>) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    handle(env, control, hanging, req, res).catch((error: unknown) => {
      console.error('fake ESI: request failed', error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"fake ESI bug"}');
      else res.destroy();
    });
  };
}

async function handle(
  env: FakeEnv,
  control: ControlHandler,
  hanging: Set<ServerResponse>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake-esi.invalid');
  const esiPath = stripBase(url.pathname, env.options.basePath);
  const raw = await readBody(req);
  if (esiPath === '/_fake' || esiPath.startsWith('/_fake/')) {
    control(req, res, esiPath.slice('/_fake'.length), url, raw);
    return;
  }
  let def: RouteDef | undefined;
  let id = 0;
  for (const candidate of ROUTES) {
    const m = candidate.pattern.exec(esiPath);
    if (m) {
      def = candidate;
      id = Number(m[1] ?? 0);
      break;
    }
  }
  const query = Object.fromEntries(url.searchParams);
  let ids: unknown;
  if (def?.route === 'E3') {
    try {
      ids = JSON.parse(raw.toString('utf8'));
    } catch {
      ids = raw.toString('utf8');
    }
  }
  const headers: Record<string, string> = {};
  for (const name of LOGGED_HEADERS) {
    const value = header(req, name);
    if (value !== undefined) headers[name] = value;
  }
  const entry = env.recorder.begin({
    time: new Date(env.clock.now()).toISOString(),
    method: req.method ?? 'GET',
    path: url.pathname,
    esiPath,
    query,
    headers,
    route: def?.route ?? 'unknown',
    ...(def?.route === 'E1' ? { regionId: id } : {}),
    ...(def?.route === 'E2' || def?.route === 'E9' ? { contractId: id, regionId: env.universe.store.get(id)?.regionId } : {}),
    ...(def?.route === 'E1' || def?.route === 'E2' || def?.route === 'E9' ? { page: Number(query.page ?? 1) } : {}),
    ...(ids !== undefined ? { ids } : {}),
  });

  const delay = latencyMs(env, def?.route ?? 'unknown');
  if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  if (res.destroyed || req.socket.destroyed) {
    env.recorder.finish(entry, 'reset', []);
    return;
  }
  const { outcome, hook } = decide(env, req, def, id, raw, entry);
  const applied = hook?.applied ?? [];
  const rememberPage = (ok: boolean, expires: number) => {
    if (entry.page === undefined || !Number.isSafeInteger(entry.page)) return;
    if (def?.route === 'E1') env.recorder.rememberPage(id, entry.page, ok, expires);
    if (def?.route === 'E9') env.recorder.rememberBidsPage(id, entry.page, ok, expires);
  };
  if ('transport' in outcome) {
    rememberPage(false, 0);
    env.recorder.finish(entry, outcome.transport, applied);
    if (outcome.transport === 'reset') req.socket.destroy();
    else {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
    }
    return;
  }
  const status = send(env, req, res, outcome, hook, entry.seq);
  rememberPage((status === 200 || status === 304) && outcome.reply.expiresMs !== undefined, outcome.reply.expiresMs ?? 0);
  env.recorder.finish(entry, status, hook?.applied ?? applied);
}
