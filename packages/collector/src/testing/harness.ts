// An app on the memory store, with helpers to enrol agents and post batches through inject().
import { randomBytes } from 'node:crypto';
import { Ack, type kto } from '@kto/proto';
import { build, type BuildOptions, type CollectorApp } from '../app.js';
import { newKey, type TestAgent, type TestKey } from './fixtures.js';
import { MemoryStore } from './memory-store.js';

export interface Harness {
  app: CollectorApp;
  store: MemoryStore;
  adminToken: string;
  auth: { authorization: string };
}

/** A ready app on a fresh memory store; inserts flush after 5 ms unless `opts.insert` says otherwise. */
export async function harness(opts: Partial<BuildOptions> = {}): Promise<Harness> {
  const store = (opts.store as MemoryStore | undefined) ?? new MemoryStore();
  const adminToken = `admin-${randomBytes(16).toString('hex')}`;
  const app = build({ adminToken, ...opts, store, insert: { maxDelayMs: 5, ...opts.insert } });
  await app.ready();
  return { app, store, adminToken, auth: { authorization: `Bearer ${adminToken}` } };
}

export async function createToken(h: Harness, body: Record<string, unknown> = {}): Promise<string> {
  const res = await h.app.inject({ method: 'POST', url: '/v1/enrolment-tokens', headers: h.auth, payload: body });
  if (res.statusCode !== 201) throw new Error(`token: ${res.statusCode} ${res.body}`);
  return (res.json() as { token: string }).token;
}

/** Enrols a new key (or `key`) through the API and returns the agent. */
export async function enrol(h: Harness, key: TestKey = newKey(), extra: Record<string, unknown> = {}): Promise<TestAgent> {
  const token = await createToken(h);
  const res = await h.app.inject({
    method: 'POST', url: '/v1/agents/enroll',
    payload: { token, public_key: key.publicKeyHex, country: 'CZ', continent: 'EU', asn: 25192, name: 'test probe', ...extra },
  });
  if (res.statusCode !== 201) throw new Error(`enrol: ${res.statusCode} ${res.body}`);
  return { ...key, agentId: (res.json() as { agent_id: string }).agent_id };
}

export interface PostResult {
  status: number;
  ack: kto.v1.Ack;
  headers: Record<string, unknown>;
}

export async function postBatch(h: Harness, bytes: Uint8Array, contentType = 'application/x-protobuf'): Promise<PostResult> {
  const res = await h.app.inject({
    method: 'POST', url: '/v1/ingest', headers: { 'content-type': contentType }, payload: Buffer.from(bytes),
  });
  if (res.headers['content-type'] !== 'application/x-protobuf') throw new Error(`ingest answered ${res.headers['content-type']}: ${res.body}`);
  return { status: res.statusCode, ack: Ack.decode(res.rawPayload), headers: res.headers };
}
