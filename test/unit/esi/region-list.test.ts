import { describe, expect, it } from 'vitest';
import { createRegionListSource } from '../../../src/esi/region-list.js';
import type { EsiRequest, EsiResult } from '../../../src/esi/types.js';

const RECEIVED = new Date('2026-11-27T12:00:00Z');
const HEADERS = { date: 'Fri, 27 Nov 2026 12:00:00 GMT', expires: 'Sat, 28 Nov 2026 11:05:00 GMT', etag: '"abc"' };

function ok(json: unknown, status = 200): EsiResult {
  return { kind: 'ok', status, body: Buffer.from(JSON.stringify(json)), json, headers: HEADERS, receivedAt: RECEIVED };
}

function sourceAnswering(result: EsiResult) {
  const sent: EsiRequest[] = [];
  const source = createRegionListSource({ request: async (request) => (sent.push(request), result) });
  return { source, sent };
}

describe('E8 GET /universe/regions', () => {
  it('an array of ids, with its ETag and Expires (11:05 UTC); the request is the unversioned path, conditional on a held ETag', async () => {
    const { source, sent } = sourceAnswering(ok([10000002, 11000001]));
    expect(await source.fetch(null)).toEqual({ kind: 'ok', ids: [10000002, 11000001], etag: '"abc"', expiresAt: new Date('2026-11-28T11:05:00Z') });
    await source.fetch('"old"');
    expect(sent.map((r) => [r.route, r.path, r.ifNoneMatch])).toEqual([
      ['universe_regions', '/universe/regions', undefined],
      ['universe_regions', '/universe/regions', '"old"'],
    ]);
  });

  it.each([
    ['an empty array', []],
    ['an error object', { error: 'boom' }],
    ['a string', 'garbage'],
    ['null (empty body)', null],
    ['a non-integer element', [10000002, '10000043']],
    ['a fractional element', [10000002, 1.5]],
    ['an unsafe integer', [2 ** 53 + 2]],
  ])('%s is a failure', async (_what, json) => {
    const { source } = sourceAnswering(ok(json));
    expect((await source.fetch(null)).kind).toBe('failed');
  });

  it('304 is "not modified" only when a list was held; errors and transient results are failures', async () => {
    expect((await sourceAnswering(ok(null, 304)).source.fetch('"abc"')).kind).toBe('not-modified');
    expect((await sourceAnswering(ok(null, 304)).source.fetch(null)).kind).toBe('failed');
    expect(await sourceAnswering({ kind: 'definite', status: 404, headers: {}, receivedAt: RECEIVED }).source.fetch(null)).toEqual({ kind: 'failed', reason: 'http 404' });
    expect(await sourceAnswering({ kind: 'transient', reason: 'http 503' }).source.fetch(null)).toEqual({ kind: 'failed', reason: 'http 503' });
  });
});
