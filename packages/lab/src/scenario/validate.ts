// Checks that a value is a lab scenario (./types.ts) before anything runs it: every error names the
// place (`steps[3].do[1].publish`), what was expected and what came. Also loads scenario files.

import { readFile } from 'node:fs/promises';
import { KtoError } from '@kto/core';
import type { Action, KeyRole, KeySpec, LabAlgorithm, Procedure, Scenario, SignScope } from './types.js';

const BAD = 'KTO_ERR_LAB_BAD_SCENARIO';

const KINDS = ['conformant', 'broken'] as const;
const ROLES: readonly KeyRole[] = ['KSK', 'ZSK', 'CSK'];
const ALGORITHMS: readonly LabAlgorithm[] = [8, 10, 13, 14, 15, 16];
const SCOPES: readonly SignScope[] = ['dnskey', 'zone', 'all'];
const DIGEST_TYPES = [1, 2, 4] as const;
const PROCEDURES: readonly Procedure[] = [
  'zsk-pre-publish', 'zsk-double-signature', 'zsk-double-rrsig', 'ksk-double-ksk', 'ksk-double-ds', 'ksk-double-rrset',
  'csk-rollover', 'algorithm-rollover-conservative', 'algorithm-rollover-liberal', 'rfc5011-rollover', 'multi-signer-join',
  'multi-signer-leave', 'multi-signer-steady', 'operator-handoff', 'ds-change-cds', 'ns-change-csync', 'unknown',
];
const TOP_KEYS = new Set([
  'name', 'kind', 'procedure', 'description', 'references', 'label', 'ttl', 'parent', 'providers', 'keys', 'initial', 'steps',
  'duration', 'signatureValidity', 'expectedFindings', 'expectedValidationFailure',
]);
/** Each verb with the optional fields it may carry. */
const VERBS: Readonly<Record<string, readonly string[]>> = {
  publish: ['provider'],
  unpublish: ['provider'],
  sign: ['scope', 'provider'],
  unsign: ['scope', 'provider'],
  revoke: [],
  dsAdd: ['digestType'],
  dsRemove: [],
  cds: ['provider'],
  cdsDelete: ['provider'],
  nsSet: ['csync'],
  stopResigning: [],
  signatureValidity: [],
};

const NAME_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const LABEL_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const KEY_ID_RE = /^[A-Za-z0-9_]{1,32}$/;
/** Provider ids become part of name-server host names (ns-<id><n>.<zone>). */
const PROVIDER_RE = /^[A-Za-z0-9]{1,16}$/;
const MAX_SERVERS = 8;
const MIN_RSA_BITS = 1024;
const MAX_RSA_BITS = 4096;

function fail(path: string, message: string): never {
  throw new KtoError(BAD, `${path}: ${message}`, { path });
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function object(v: unknown, path: string): Record<string, unknown> {
  if (!isObject(v)) fail(path, `expected an object, got ${show(v)}`);
  return v;
}

function array(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) fail(path, `expected an array, got ${show(v)}`);
  return v;
}

function string(v: unknown, path: string, re?: RegExp, what?: string): string {
  if (typeof v !== 'string' || v === '') fail(path, `expected a non-empty string, got ${show(v)}`);
  if (re !== undefined && !re.test(v)) fail(path, `${show(v)} is not ${what ?? `of the form ${re.source}`}`);
  return v;
}

function seconds(v: unknown, path: string, min: number, strict: boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, `expected a number of lab seconds, got ${show(v)}`);
  if (strict ? v <= min : v < min) fail(path, `must be ${strict ? 'greater than' : 'at least'} ${min}, got ${v}`);
  return v;
}

function oneOf<T>(v: unknown, allowed: readonly T[], path: string): T {
  if (!allowed.includes(v as T)) fail(path, `expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${show(v)}`);
  return v as T;
}

function noExtraKeys(o: Record<string, unknown>, allowed: ReadonlySet<string> | readonly string[], path: string): void {
  const ok = allowed instanceof Set ? allowed : new Set(allowed as readonly string[]);
  for (const k of Object.keys(o)) if (!ok.has(k)) fail(path, `unknown field ${JSON.stringify(k)}`);
}

interface Ctx {
  keys: Map<string, KeySpec>;
  providers: Set<string>;
  parentMode: 'registration' | 'cds-scan';
}

function keyRef(v: unknown, ctx: Ctx, path: string): KeySpec {
  if (typeof v !== 'string') fail(path, `expected a key id, got ${show(v)}`);
  const k = ctx.keys.get(v);
  if (k === undefined) fail(path, `unknown key ${JSON.stringify(v)} (keys: ${[...ctx.keys.keys()].join(', ')})`);
  return k;
}

function providerRef(v: unknown, ctx: Ctx, path: string): string {
  if (typeof v !== 'string' || !ctx.providers.has(v)) {
    fail(path, `unknown provider ${show(v)} (providers: ${[...ctx.providers].join(', ')})`);
  }
  return v;
}

function keyList(v: unknown, ctx: Ctx, path: string): KeySpec[] {
  const list = array(v, path);
  const seen = new Set<string>();
  return list.map((item, i) => {
    const k = keyRef(item, ctx, `${path}[${i}]`);
    if (seen.has(k.id)) fail(`${path}[${i}]`, `key ${JSON.stringify(k.id)} is listed twice`);
    seen.add(k.id);
    return k;
  });
}

/** What a key of `role` may sign: a KSK the DNSKEY RRset, a ZSK the rest of the zone, a CSK both. */
function checkScope(key: KeySpec, scope: SignScope, path: string): void {
  const ok = key.role === 'CSK' || (key.role === 'KSK' ? scope === 'dnskey' : scope === 'zone');
  if (!ok) fail(path, `a ${key.role} (${key.id}) cannot sign scope ${JSON.stringify(scope)}; ${key.role === 'KSK' ? 'a KSK signs "dnskey"' : 'a ZSK signs "zone"'}, a CSK any scope`);
}

/** Signing happens where the private key is: a key held by one provider signs only there. */
function checkSigner(key: KeySpec, provider: string | undefined, path: string): void {
  if (provider !== undefined && key.provider !== undefined && key.provider !== provider) {
    fail(path, `key ${JSON.stringify(key.id)} is held by provider ${JSON.stringify(key.provider)}, so provider ${JSON.stringify(provider)} cannot sign with it`);
  }
}

function sepKey(key: KeySpec, path: string, what: string): void {
  if (key.role === 'ZSK') fail(path, `${what} needs a KSK or CSK, ${JSON.stringify(key.id)} is a ZSK`);
}

function action(v: unknown, ctx: Ctx, path: string): Action {
  const o = object(v, path);
  const verbs = Object.keys(o).filter((k) => k in VERBS);
  if (verbs.length !== 1) {
    fail(path, verbs.length === 0
      ? `no verb: expected exactly one of ${Object.keys(VERBS).join(', ')} (got fields ${Object.keys(o).join(', ') || 'none'})`
      : `more than one verb (${verbs.join(', ')}): one action per object`);
  }
  const verb = verbs[0] as string;
  const at = `${path}.${verb}`;
  noExtraKeys(o, [verb, ...(VERBS[verb] ?? [])], path);
  const value = o[verb];
  const provider = o['provider'] === undefined ? undefined : providerRef(o['provider'], ctx, `${path}.provider`);
  switch (verb) {
    case 'publish': case 'unpublish':
      // any provider may publish any key: model 2 providers publish each other's ZSKs
      keyRef(value, ctx, at);
      break;
    case 'sign': case 'unsign': {
      const key = keyRef(value, ctx, at);
      checkSigner(key, provider, `${path}.provider`);
      if (o['scope'] !== undefined) checkScope(key, oneOf(o['scope'], SCOPES, `${path}.scope`), `${path}.scope`);
      break;
    }
    case 'revoke':
      sepKey(keyRef(value, ctx, at), at, 'revoke (RFC 5011 §2.1)');
      break;
    case 'dsAdd': case 'dsRemove':
      if (ctx.parentMode !== 'registration') fail(at, 'the parent scans CDS/CDNSKEY (parent.mode "cds-scan"): publish CDS with a "cds" action instead');
      sepKey(keyRef(value, ctx, at), at, verb);
      if (o['digestType'] !== undefined) oneOf(o['digestType'], DIGEST_TYPES, `${path}.digestType`);
      break;
    case 'cds':
      keyList(value, ctx, at).forEach((k, i) => sepKey(k, `${at}[${i}]`, 'a CDS/CDNSKEY record'));
      break;
    case 'cdsDelete':
      if (value !== true) fail(at, `expected true, got ${show(value)}`);
      break;
    case 'nsSet': {
      const list = array(value, at);
      if (list.length === 0) fail(at, 'a zone needs at least one provider\'s name servers');
      const seen = new Set<string>();
      list.forEach((p, i) => {
        const id = providerRef(p, ctx, `${at}[${i}]`);
        if (seen.has(id)) fail(`${at}[${i}]`, `provider ${JSON.stringify(id)} is listed twice`);
        seen.add(id);
      });
      if (o['csync'] !== undefined && typeof o['csync'] !== 'boolean') fail(`${path}.csync`, `expected a boolean, got ${show(o['csync'])}`);
      break;
    }
    case 'stopResigning':
      if (value !== true) fail(at, `expected true, got ${show(value)}`);
      break;
    case 'signatureValidity':
      seconds(value, at, 0, true);
      break;
  }
  return o as unknown as Action;
}

function window(v: unknown, path: string, duration: number): void {
  const o = object(v, path);
  const from = seconds(o['from'], `${path}.from`, 0, false);
  const to = seconds(o['to'], `${path}.to`, 0, false);
  if (to < from) fail(`${path}.to`, `ends (${to}) before it starts (${from})`);
  if (from > duration) fail(`${path}.from`, `${from} is after the scenario's duration (${duration})`);
}

/**
 * Returns `json` as a Scenario if it is one; otherwise throws KTO_ERR_LAB_BAD_SCENARIO with the path
 * of the first problem (`steps[3].do[1].publish: unknown key "Z12"`). Checks types, that referenced
 * keys and providers exist, that steps are sorted and inside the duration, and that roles and scopes
 * make sense (a KSK signs the DNSKEY RRset, a ZSK the rest, only KSKs and CSKs get DS, CDS or REVOKE).
 */
export function validateScenario(json: unknown): Scenario {
  const s = object(json, 'scenario');
  noExtraKeys(s, TOP_KEYS, 'scenario');
  string(s['name'], 'name', NAME_RE, 'a kebab-case name (a-z, 0-9, single hyphens)');
  oneOf(s['kind'], KINDS, 'kind');
  oneOf(s['procedure'], PROCEDURES, 'procedure');
  string(s['description'], 'description');
  array(s['references'], 'references').forEach((r, i) => string(r, `references[${i}]`));
  string(s['label'], 'label', LABEL_RE, 'a DNS label in lower case (a-z, 0-9, inner hyphens, at most 63 octets)');

  const ttl = object(s['ttl'], 'ttl');
  noExtraKeys(ttl, ['dnskey', 'zone', 'ds'], 'ttl');
  for (const k of ['dnskey', 'zone', 'ds']) seconds(ttl[k], `ttl.${k}`, 0, true);

  const parent = object(s['parent'], 'parent');
  const parentMode = oneOf(parent['mode'], ['registration', 'cds-scan'] as const, 'parent.mode');
  if (parentMode === 'registration') {
    noExtraKeys(parent, ['mode', 'delay'], 'parent');
    seconds(parent['delay'], 'parent.delay', 0, false);
  } else {
    noExtraKeys(parent, ['mode', 'interval'], 'parent');
    seconds(parent['interval'], 'parent.interval', 0, true);
  }

  const providers = new Set<string>();
  const lowered = new Set<string>();
  if (s['providers'] === undefined) {
    providers.add('A');
  } else {
    const list = array(s['providers'], 'providers');
    if (list.length === 0) fail('providers', 'expected at least one provider (or leave the field out for the single provider "A")');
    list.forEach((p, i) => {
      const o = object(p, `providers[${i}]`);
      noExtraKeys(o, ['id', 'servers'], `providers[${i}]`);
      const id = string(o['id'], `providers[${i}].id`, PROVIDER_RE, 'a provider id of 1-16 letters or digits');
      if (lowered.has(id.toLowerCase())) fail(`providers[${i}].id`, `provider ${JSON.stringify(id)} is defined twice (ids are compared case-insensitively)`);
      lowered.add(id.toLowerCase());
      providers.add(id);
      const n = o['servers'];
      if (n !== undefined && (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_SERVERS)) {
        fail(`providers[${i}].servers`, `expected an integer from 1 to ${MAX_SERVERS}, got ${show(n)}`);
      }
    });
  }

  const keys = new Map<string, KeySpec>();
  const keyList0 = array(s['keys'], 'keys');
  if (keyList0.length === 0) fail('keys', 'a signed zone needs at least one key');
  keyList0.forEach((k, i) => {
    const path = `keys[${i}]`;
    const o = object(k, path);
    noExtraKeys(o, ['id', 'role', 'algorithm', 'bits', 'provider'], path);
    const id = string(o['id'], `${path}.id`, KEY_ID_RE, 'a key id of 1-32 letters, digits or underscores');
    if (keys.has(id)) fail(`${path}.id`, `key ${JSON.stringify(id)} is defined twice`);
    oneOf(o['role'], ROLES, `${path}.role`);
    const alg = oneOf(o['algorithm'], ALGORITHMS, `${path}.algorithm`);
    if (o['bits'] !== undefined) {
      if (alg !== 8 && alg !== 10) fail(`${path}.bits`, `only RSA keys (algorithms 8 and 10) have a size, this is algorithm ${alg}`);
      const b = o['bits'];
      if (typeof b !== 'number' || !Number.isInteger(b) || b < MIN_RSA_BITS || b > MAX_RSA_BITS) {
        fail(`${path}.bits`, `expected an integer from ${MIN_RSA_BITS} to ${MAX_RSA_BITS}, got ${show(b)}`);
      }
    }
    if (o['provider'] !== undefined && !providers.has(o['provider'] as string)) {
      fail(`${path}.provider`, `unknown provider ${show(o['provider'])} (providers: ${[...providers].join(', ')})`);
    }
    keys.set(id, o as unknown as KeySpec);
  });
  const ctx: Ctx = { keys, providers, parentMode };

  const duration = seconds(s['duration'], 'duration', 0, true);
  if (s['signatureValidity'] !== undefined) seconds(s['signatureValidity'], 'signatureValidity', 0, true);

  const initial = object(s['initial'], 'initial');
  noExtraKeys(initial, ['published', 'signing', 'ds', 'ns'], 'initial');
  keyList(initial['published'], ctx, 'initial.published');
  array(initial['signing'], 'initial.signing').forEach((e, i) => {
    const path = `initial.signing[${i}]`;
    const o = object(e, path);
    noExtraKeys(o, ['key', 'scope'], path);
    const key = keyRef(o['key'], ctx, `${path}.key`);
    if (o['scope'] !== undefined) checkScope(key, oneOf(o['scope'], SCOPES, `${path}.scope`), `${path}.scope`);
  });
  keyList(initial['ds'], ctx, 'initial.ds').forEach((k, i) => sepKey(k, `initial.ds[${i}]`, 'a DS record'));
  if (initial['ns'] !== undefined) {
    const list = array(initial['ns'], 'initial.ns');
    if (list.length === 0) fail('initial.ns', 'a zone needs at least one provider\'s name servers');
    list.forEach((p, i) => providerRef(p, ctx, `initial.ns[${i}]`));
  }

  let last = 0;
  array(s['steps'], 'steps').forEach((st, i) => {
    const path = `steps[${i}]`;
    const o = object(st, path);
    noExtraKeys(o, ['at', 'note', 'do'], path);
    const at = seconds(o['at'], `${path}.at`, 0, false);
    if (at < last) fail(`${path}.at`, `steps must be sorted by time: ${at} comes after ${last}`);
    if (at > duration) fail(`${path}.at`, `${at} is after the scenario's duration (${duration})`);
    last = at;
    string(o['note'], `${path}.note`);
    const actions = array(o['do'], `${path}.do`);
    if (actions.length === 0) fail(`${path}.do`, 'a step needs at least one action');
    actions.forEach((a, j) => action(a, ctx, `${path}.do[${j}]`));
  });

  array(s['expectedFindings'], 'expectedFindings').forEach((f, i) => {
    const path = `expectedFindings[${i}]`;
    const o = object(f, path);
    noExtraKeys(o, ['code', 'keys', 'from', 'to'], path);
    string(o['code'], `${path}.code`);
    if (o['keys'] !== undefined) keyList(o['keys'], ctx, `${path}.keys`);
    window(o, path, duration);
  });
  if (s['expectedValidationFailure'] !== undefined) {
    const path = 'expectedValidationFailure';
    noExtraKeys(object(s[path], path), ['from', 'to'], path);
    window(s[path], path, duration);
  }
  return s as unknown as Scenario;
}

/** Reads a scenario from a JSON file and validates it (KTO_ERR_LAB_SCENARIO_FILE, KTO_ERR_LAB_BAD_SCENARIO). */
export async function loadScenarioFile(path: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new KtoError('KTO_ERR_LAB_SCENARIO_FILE', `cannot read scenario file ${path}: ${(err as Error).message}`, { path }, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new KtoError('KTO_ERR_LAB_SCENARIO_FILE', `scenario file ${path} is not JSON: ${(err as Error).message}`, { path }, { cause: err });
  }
  try {
    return validateScenario(json);
  } catch (err) {
    if (err instanceof KtoError) throw new KtoError(err.code, `${path}: ${err.message}`, { ...err.details, file: path }, { cause: err });
    throw err;
  }
}
