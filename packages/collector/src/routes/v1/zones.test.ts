import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { harness, type Harness } from '../../testing/harness.js';

const NOW = Date.UTC(2026, 0, 15, 12);

describe('zones', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness({ now: () => NOW });
  });
  afterEach(async () => {
    await h.app.close();
  });

  const post = (payload: Record<string, unknown>, headers: Record<string, string> = h.auth) =>
    h.app.inject({ method: 'POST', url: '/v1/zones', headers, payload });
  const list = async () => (await h.app.inject({ method: 'GET', url: '/v1/zones' })).json() as {
    version: number; zones: { zone: string; interval_s: number; qtypes: number[]; query_authoritatives: boolean }[];
  };

  it('POST /v1/zones: canonical name, qtypes from mnemonics or numbers (IANA numbers), 201 then 200', async () => {
    const res = await post({ zone: 'Example.COM', qtypes: ['DNSKEY', 'ds', 6, 'CDS', 'TYPE62', '59'], interval_s: 300, query_authoritatives: true });
    expect(res.statusCode).toBe(201);
    // DNSKEY 48, DS 43, SOA 6, CDS 59 (twice), CSYNC 62 (RFC 3597 form): deduplicated, sorted
    expect(res.json()).toEqual({ zone: 'example.com.', interval_s: 300, qtypes: [6, 43, 48, 59, 62], query_authoritatives: true });
    const again = await post({ zone: 'example.com.' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ zone: 'example.com.', interval_s: 0, qtypes: [], query_authoritatives: false });
    expect((await list()).zones).toEqual([again.json()]);
  });

  it('the root zone, as "." or "@"', async () => {
    expect((await post({ zone: '@', qtypes: ['DNSKEY'] })).json().zone).toBe('.');
    expect((await post({ zone: '.' })).statusCode).toBe(200);
    expect((await list()).zones.map((z) => z.zone)).toEqual(['.']);
  });

  it('bad zone names: 400 KTO_ERR_API_BAD_ZONE_NAME', async () => {
    for (const zone of ['a..b', `${'x'.repeat(64)}.example.`, 'bad name.example.', '.leading.example.', `${'abcdefghi.'.repeat(26)}`]) {
      const res = await post({ zone });
      expect(res.statusCode, zone).toBe(400);
      expect(res.json().code).toBe('KTO_ERR_API_BAD_ZONE_NAME');
    }
  });

  it('bad qtypes: 400 KTO_ERR_API_BAD_QTYPE (unknown mnemonic, 0, out of range)', async () => {
    for (const qtypes of [['DNSKY'], ['0'], ['65536'], [0], ['TYPE65536']]) {
      const res = await post({ zone: 'example.', qtypes });
      expect(res.statusCode, JSON.stringify(qtypes)).toBe(400);
      expect(res.json().code).toBe('KTO_ERR_API_BAD_QTYPE');
    }
    expect(await h.store.listZones()).toEqual([]);
  });

  it('admin only: 401 / 403 for POST and DELETE; GET is public', async () => {
    expect((await post({ zone: 'example.' }, {})).statusCode).toBe(401);
    expect((await post({ zone: 'example.' }, { authorization: 'Bearer nope' })).statusCode).toBe(403);
    expect((await h.app.inject({ method: 'DELETE', url: '/v1/zones/example.' })).json().code).toBe('KTO_ERR_AUTH_MISSING_TOKEN');
    expect((await h.app.inject({ method: 'GET', url: '/v1/zones' })).statusCode).toBe(200);
    expect(await h.store.listZones()).toEqual([]);
  });

  it('GET lists zones in canonical order with a version that changes with the list, DELETE removes', async () => {
    const v0 = (await list()).version;
    await post({ zone: 'z.example.' });
    await post({ zone: 'example.' });
    await post({ zone: 'a.example.' });
    const l1 = await list();
    expect(l1.zones.map((z) => z.zone)).toEqual(['example.', 'a.example.', 'z.example.']);
    expect(l1.version).not.toBe(v0);
    expect((await list()).version).toBe(l1.version);
    const del = await h.app.inject({ method: 'DELETE', url: '/v1/zones/A.Example', headers: h.auth });
    expect(del.statusCode).toBe(200);
    expect(del.json()).toEqual({ zone: 'a.example.', removed: true });
    const l2 = await list();
    expect(l2.zones.map((z) => z.zone)).toEqual(['example.', 'z.example.']);
    expect(l2.version).not.toBe(l1.version);
    const gone = await h.app.inject({ method: 'DELETE', url: '/v1/zones/a.example.', headers: h.auth });
    expect(gone.statusCode).toBe(404);
    expect(gone.json().code).toBe('KTO_ERR_API_ZONE_NOT_FOUND');
    // added back: tracked again
    await post({ zone: 'a.example.' });
    expect((await list()).zones).toHaveLength(3);
  });

  it('DELETE the root zone by @, and by %2E as it arrives from clients that send the path as written', async () => {
    await post({ zone: '.' });
    expect((await h.app.inject({ method: 'DELETE', url: '/v1/zones/@', headers: h.auth })).json()).toEqual({ zone: '.', removed: true });
    await post({ zone: '.' });
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = h.app.server.address() as AddressInfo;
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'DELETE', path: '/v1/zones/%2E', headers: h.auth }, (r) => {
        let body = '';
        r.on('data', (d: Buffer) => { body += d.toString(); });
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ zone: '.', removed: true });
    expect((await list()).zones).toEqual([]);
    // a WHATWG URL client turns /v1/zones/%2E into /v1/zones/: refused with a hint
    const empty = await h.app.inject({ method: 'DELETE', url: '/v1/zones/%2E', headers: h.auth });
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toMatchObject({ code: 'KTO_ERR_API_BAD_ZONE_NAME', message: expect.stringContaining('"@"') });
  });
});
