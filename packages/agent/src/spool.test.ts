// Spool, sequence numbers and batcher: durability, ordering, the size bound.
import { createPublicKey, verify } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { isKtoError } from '@kto/core';
import { BatchBody, QueryStatus, SignedBatch, type IObservation } from '@kto/proto';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { Batcher } from './batcher.js';
import { loadOrCreateIdentity } from './identity.js';
import { AgentMetrics } from './metrics.js';
import { SeqStore } from './seq.js';
import { batchFileName, Spool } from './spool.js';

const root = mkdtempSync(join(tmpdir(), 'kto-agent-spool-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `d${n++}`);

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

const silent = pino({ level: 'silent' });
const bytes = (len: number, fill: number) => new Uint8Array(len).fill(fill);

describe('Spool', () => {
  it('survives a restart: a new instance on the same dir finds the batches in seq order', async () => {
    const dir = fresh();
    const a = await Spool.open({ dir, maxBytes: 1 << 20, log: silent });
    for (const seq of [3, 4, 10, 11]) await a.put(seq, bytes(100, seq));
    await a.remove(4);
    await a.close();
    // a half-written temp file from a crash is cleaned up, a foreign file ignored
    writeFileSync(join(dir, `.${batchFileName(12)}.tmp`), 'partial');
    writeFileSync(join(dir, 'README'), 'not a batch');
    const b = await Spool.open({ dir, maxBytes: 1 << 20, log: silent });
    expect([...b.seqs()]).toEqual([3, 10, 11]);
    expect(b.bytes).toBe(300);
    expect(b.maxSeq).toBe(11);
    expect(Array.from((await b.read(10))!)).toEqual(Array.from(bytes(100, 10)));
    expect(readdirSync(dir).some((f) => f.endsWith('.tmp'))).toBe(false);
    await b.close();
  });

  it('moves a rejected batch to rejected/ with the reason, and deletes acked ones', async () => {
    const dir = fresh();
    const s = await Spool.open({ dir, maxBytes: 1 << 20, log: silent });
    await s.put(1, bytes(10, 1));
    await s.put(2, bytes(10, 2));
    await s.reject(1, { code: 'KTO_ERR_INGEST_TOO_MANY', message: 'too many observations' });
    await s.remove(2);
    expect(s.count).toBe(0);
    expect(readdirSync(dir).filter((f) => f.endsWith('.batch'))).toEqual([]);
    expect(readdirSync(join(dir, 'rejected')).sort()).toEqual([batchFileName(1), `${batchFileName(1)}.json`]);
    expect(JSON.parse(readFileSync(join(dir, 'rejected', `${batchFileName(1)}.json`), 'utf8'))).toMatchObject({ seq: 1, code: 'KTO_ERR_INGEST_TOO_MANY' });
    expect(await s.read(2)).toBeUndefined();
    await s.close();
  });

  it('over its bound drops the OLDEST batches, logs the seq range and counts them', async () => {
    const dir = fresh();
    const { log, lines } = capture();
    const metrics = new AgentMetrics();
    const dropped: number[] = [];
    const s = await Spool.open({ dir, maxBytes: 1024 * 1024, log, metrics, onDrop: (seqs) => dropped.push(...seqs) });
    const size = 300 * 1024;
    for (let seq = 1; seq <= 3; seq++) await s.put(seq, bytes(size, seq));
    expect(dropped).toEqual([]);
    await s.put(4, bytes(size, 4)); // 1.2 MiB > 1 MiB
    await s.put(5, bytes(size, 5));
    expect(dropped).toEqual([1, 2]);
    expect([...s.seqs()]).toEqual([3, 4, 5]);
    expect(s.bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(existsSync(join(dir, batchFileName(1)))).toBe(false);
    const warns = lines.filter((l) => l.code === 'KTO_ERR_AGENT_SPOOL_FULL');
    expect(warns.map((w) => [w.firstSeq, w.lastSeq, w.count])).toEqual([[1, 1, 1], [2, 2, 1]]);
    expect(warns[0]!.level).toBe(40); // pino warn
    const text = await metrics.text();
    expect(text).toMatch(/^kto_agent_spool_dropped_batches_total 2$/m);
    expect(text).toMatch(/^kto_agent_spool_batches 3$/m);
    await s.close();
    // a smaller bound at open time drops at once, several in one warning
    const { log: log2, lines: lines2 } = capture();
    const t = await Spool.open({ dir, maxBytes: 1024 * 1024 / 2, log: log2 });
    expect([...t.seqs()]).toEqual([5]);
    expect(lines2.filter((l) => l.code === 'KTO_ERR_AGENT_SPOOL_FULL').map((w) => [w.firstSeq, w.lastSeq, w.count])).toEqual([[3, 4, 2]]);
    await t.close();
  });
});

describe('SeqStore', () => {
  it('never hands out a number twice across restarts, and moves up on request', async () => {
    const dir = fresh();
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    const a = await SeqStore.open(dir);
    const got = await Promise.all([a.next(), a.next(), a.next()]);
    expect(got).toEqual([1, 2, 3]);
    // "crash": no clean shutdown, a new store on the same dir
    const b = await SeqStore.open(dir);
    expect(await b.next()).toBe(4);
    await b.ensureAtLeast(100);
    await b.ensureAtLeast(50);
    const c = await SeqStore.open(dir);
    expect(await c.next()).toBe(101);
    writeFileSync(join(dir, 'seq'), 'garbage');
    await expect(SeqStore.open(dir)).rejects.toSatisfy((e) => isKtoError(e, 'KTO_ERR_AGENT_STATE_CORRUPT'));
  });
});

describe('Batcher', () => {
  async function setup(dir: string, over: { maxObservations?: number; maxAgeMs?: number; maxBatchBytes?: number } = {}) {
    const { identity } = await loadOrCreateIdentity(dir);
    const spool = await Spool.open({ dir: join(dir, 'spool'), maxBytes: 64 << 20, log: silent });
    const seq = await SeqStore.open(dir);
    const sealed: number[] = [];
    const batcher = new Batcher({
      agentId: 'a00112233445566778899', agentVersion: '9.9.9', location: { country: 'CZ', continent: 'EU', asn: 25192 },
      maxObservations: over.maxObservations ?? 3, maxAgeMs: over.maxAgeMs ?? 50, identity, seq, spool, log: silent,
      onSealed: (s) => sealed.push(s), ...(over.maxBatchBytes === undefined ? {} : { maxBatchBytes: over.maxBatchBytes }),
    });
    return { identity, spool, seq, batcher, sealed };
  }
  const obs = (i: number, raw = 4): IObservation => ({
    zone: 'example.', qname: 'example.', qtype: 48, sentAtMs: 1_700_000_000_000 + i, status: QueryStatus.QUERY_STATUS_OK,
    raw: bytes(raw, i & 0xff),
  });

  it('seals at max observations and at max age, signs the body bytes, spools before handing over', async () => {
    const dir = fresh();
    const { identity, spool, batcher, sealed } = await setup(dir);
    for (let i = 0; i < 7; i++) batcher.add(obs(i));
    await new Promise((r) => setTimeout(r, 120)); // the 7th waits for max age
    await batcher.flush();
    expect(sealed).toEqual([1, 2, 3]);
    const pub = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), identity.publicKey]), format: 'der', type: 'spki' });
    const counts: number[] = [];
    for (const seq of sealed) {
      expect(spool.has(seq)).toBe(true);
      const signed = SignedBatch.decode((await spool.read(seq))!);
      expect(signed.agentId).toBe('a00112233445566778899');
      expect(verify(null, signed.body, pub, signed.signature)).toBe(true);
      const body = BatchBody.decode(signed.body);
      expect(body).toMatchObject({ agentId: signed.agentId, seq, agentVersion: '9.9.9', location: { country: 'CZ', continent: 'EU', asn: 25192 } });
      counts.push(body.observations.length);
    }
    expect(counts).toEqual([3, 3, 1]);
    // a flipped bit in the body breaks the signature
    const signed = SignedBatch.decode((await spool.read(1))!);
    signed.body[5] = signed.body[5]! ^ 1;
    expect(verify(null, signed.body, pub, signed.signature)).toBe(false);
    await spool.close();
  });

  it('continues the sequence after a restart on the same state dir', async () => {
    const dir = fresh();
    const a = await setup(dir);
    for (let i = 0; i < 6; i++) a.batcher.add(obs(i));
    await a.batcher.flush();
    await a.spool.close();
    const b = await setup(dir);
    for (let i = 0; i < 3; i++) b.batcher.add(obs(i));
    await b.batcher.flush();
    expect(a.sealed).toEqual([1, 2]);
    expect(b.sealed).toEqual([3]);
    await b.spool.close();
  });

  it('splits a batch over the size limit, each part signed with its own seq', async () => {
    const dir = fresh();
    const { spool, batcher, sealed } = await setup(dir, { maxObservations: 8, maxBatchBytes: 4 * 1024 });
    for (let i = 0; i < 8; i++) batcher.add(obs(i, 1000));
    await batcher.flush();
    // 8 x ~1 kB does not fit 4 KiB: halves of 4 do not either, quarters of 2 do. Seqs 1 and 2 were
    // reserved for the parts that were split again and stay unused.
    const sizes: number[] = [];
    for (const seq of sealed) {
      const b = (await spool.read(seq))!;
      expect(b.length).toBeLessThanOrEqual(4 * 1024);
      sizes.push(BatchBody.decode(SignedBatch.decode(b).body).observations.length);
    }
    expect(sizes).toEqual([2, 2, 2, 2]);
    expect(sealed).toEqual([...sealed].sort((x, y) => x - y));
    expect(new Set(sealed).size).toBe(4);
    await spool.close();
  });
});
