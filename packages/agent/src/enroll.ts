// Enrolment: register this agent's public key with the collector using a one-time token
// (`POST /v1/agents/enroll`) and record the agent_id it returns in agent.json.
import { KtoError } from '@kto/core';
import { request, type Dispatcher } from 'undici';
import { CONTINENTS } from './config.js';
import { writeEnrolment, loadOrCreateIdentity, type Enrolment } from './identity.js';

export interface EnrolOptions {
  readonly collector: string;
  readonly token: string;
  readonly country: string;
  readonly continent: string;
  readonly asn?: number | undefined;
  readonly name?: string | undefined;
  readonly stateDir: string;
  /** undici dispatcher (tests); default the global one. */
  readonly dispatcher?: Dispatcher;
  readonly timeoutMs?: number;
}

export interface EnrolResult {
  readonly enrolment: Enrolment;
  /** The key pair was made by this call. */
  readonly keyCreated: boolean;
  /** The collector knew the key already (200 instead of 201). */
  readonly alreadyEnrolled: boolean;
  /** Local clock minus the collector's (ms, ignoring the round trip). */
  readonly clockSkewMs: number;
}

function bad(message: string): KtoError {
  return new KtoError('KTO_ERR_AGENT_BAD_CONFIG', message);
}

export async function enroll(o: EnrolOptions): Promise<EnrolResult> {
  const collector = o.collector.replace(/\/+$/, '');
  if (!/^https?:\/\//.test(collector)) throw bad(`enroll: --collector must be an http(s) URL, got '${o.collector}'`);
  if (o.token.trim() === '') throw bad('enroll: --token is empty');
  const country = o.country.toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) throw bad(`enroll: --country must be an ISO 3166-1 alpha-2 code, got '${o.country}'`);
  const continent = o.continent.toUpperCase();
  if (!(CONTINENTS as readonly string[]).includes(continent)) {
    throw bad(`enroll: --continent must be one of ${CONTINENTS.join(' ')}, got '${o.continent}'`);
  }
  if (o.asn !== undefined && !(Number.isInteger(o.asn) && o.asn >= 0 && o.asn <= 4_294_967_295)) {
    throw bad(`enroll: --asn must be an integer 0..4294967295, got ${o.asn}`);
  }
  const { identity, created } = await loadOrCreateIdentity(o.stateDir);
  const body: Record<string, unknown> = { token: o.token.trim(), public_key: identity.publicKeyHex, country, continent };
  if (o.asn !== undefined) body.asn = o.asn;
  if (o.name !== undefined && o.name !== '') body.name = o.name;

  const url = `${collector}/v1/agents/enroll`;
  let status: number;
  let text: string;
  try {
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      headersTimeout: o.timeoutMs ?? 15_000,
      bodyTimeout: o.timeoutMs ?? 15_000,
      ...(o.dispatcher === undefined ? {} : { dispatcher: o.dispatcher }),
    });
    status = res.statusCode;
    text = await res.body.text();
  } catch (err) {
    throw new KtoError('KTO_ERR_AGENT_COLLECTOR_UNREACHABLE', `POST ${url}: ${(err as Error).message}`, undefined, { cause: err });
  }
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // handled below by status and fields
  }
  if (status >= 500) {
    throw new KtoError('KTO_ERR_AGENT_COLLECTOR_UNREACHABLE', `POST ${url}: HTTP ${status} ${String(json.code ?? '')} ${String(json.message ?? text.slice(0, 200))}`.trim());
  }
  if (status !== 200 && status !== 201) {
    throw new KtoError('KTO_ERR_AGENT_ENROLMENT_REFUSED',
      `the collector refused the enrolment: HTTP ${status} ${String(json.code ?? '')} ${String(json.message ?? text.slice(0, 200))}`.trim(),
      { status, code: json.code });
  }
  if (typeof json.agent_id !== 'string' || !/^a[0-9a-f]{20}$/.test(json.agent_id)) {
    throw new KtoError('KTO_ERR_AGENT_BAD_RESPONSE', `POST ${url}: the answer holds no valid agent_id: ${text.slice(0, 200)}`);
  }
  const now = Date.now();
  const enrolment: Enrolment = {
    agentId: json.agent_id, collector, publicKey: identity.publicKeyHex, country, continent,
    asn: o.asn ?? 0, name: o.name ?? '', enrolledAtMs: now,
  };
  await writeEnrolment(o.stateDir, enrolment);
  const serverTime = typeof json.server_time_ms === 'number' ? json.server_time_ms : now;
  return { enrolment, keyCreated: created, alreadyEnrolled: status === 200, clockSkewMs: now - serverTime };
}
