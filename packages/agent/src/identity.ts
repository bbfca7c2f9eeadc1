// The agent's Ed25519 identity (ARCHITECTURE.md §5): a key pair made on first run in the state
// directory (dir 0700, private key 0600, PKCS#8 PEM so that standard tools read it), loaded
// afterwards; agent.json records the enrolment (agent_id, collector URL, declared location).
import { createHash } from 'node:crypto';
import { chmod, mkdir, open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { KtoError } from '@kto/core';
import { fsyncDir, writeFileDurably } from './durable-file.js';

export const KEY_FILE = 'agent.key';
export const ENROLMENT_FILE = 'agent.json';

/** DER prefix of a PKCS#8 Ed25519 private key (RFC 8410 §7); the 32-byte seed follows. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface Identity {
  readonly publicKey: Uint8Array;
  readonly publicKeyHex: string;
  /** Ed25519 signature (64 bytes) over `message`. */
  sign(message: Uint8Array): Uint8Array;
}

export interface Enrolment {
  readonly agentId: string;
  readonly collector: string;
  readonly publicKey: string;
  readonly country: string;
  readonly continent: string;
  readonly asn: number;
  readonly name: string;
  readonly enrolledAtMs: number;
}

/** The agent id the collector derives from a key: "a" + first 20 hex digits of SHA-256(key). */
export function agentIdFor(publicKey: Uint8Array): string {
  return `a${createHash('sha256').update(publicKey).digest('hex').slice(0, 20)}`;
}

function stateError(code: 'KTO_ERR_AGENT_STATE_IO' | 'KTO_ERR_AGENT_STATE_CORRUPT', message: string, cause?: unknown): KtoError {
  return new KtoError(code, message, undefined, cause === undefined ? undefined : { cause });
}

function identityFromSeed(seed: Uint8Array): Identity {
  const publicKey = ed25519.getPublicKey(seed);
  return {
    publicKey,
    publicKeyHex: Buffer.from(publicKey).toString('hex'),
    sign: (message) => ed25519.sign(message, seed),
  };
}

function toPem(seed: Uint8Array): string {
  const der = Buffer.concat([PKCS8_PREFIX, seed]);
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64')}\n-----END PRIVATE KEY-----\n`;
}

function fromPem(text: string, path: string): Uint8Array {
  const m = /-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\s]+)-----END PRIVATE KEY-----/.exec(text);
  const der = m === null ? Buffer.alloc(0) : Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
  if (der.length !== PKCS8_PREFIX.length + 32 || !der.subarray(0, PKCS8_PREFIX.length).equals(PKCS8_PREFIX)) {
    throw stateError('KTO_ERR_AGENT_STATE_CORRUPT', `${path} is not a PKCS#8 Ed25519 private key`);
  }
  return new Uint8Array(der.subarray(PKCS8_PREFIX.length));
}

/** Creates the state directory (mode 0700) if needed. */
export async function ensureStateDir(stateDir: string): Promise<void> {
  try {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    await chmod(stateDir, 0o700);
  } catch (err) {
    throw stateError('KTO_ERR_AGENT_STATE_IO', `cannot create state directory ${stateDir}: ${(err as Error).message}`, err);
  }
}

export interface LoadedIdentity {
  readonly identity: Identity;
  /** True when the key was made now. */
  readonly created: boolean;
  /** Set when the key file is readable by group or others. */
  readonly warning: string | undefined;
}

/** Loads the key pair from the state directory, making it on first run. */
export async function loadOrCreateIdentity(stateDir: string): Promise<LoadedIdentity> {
  await ensureStateDir(stateDir);
  const path = join(stateDir, KEY_FILE);
  const existing = await loadIdentity(stateDir);
  if (existing !== undefined) return { ...existing, created: false };
  const seed = ed25519.utils.randomSecretKey();
  try {
    // 'wx': never overwrite a key another process made meanwhile.
    const fh = await open(path, 'wx', 0o600);
    try {
      await fh.writeFile(toPem(seed));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsyncDir(stateDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      const raced = await loadIdentity(stateDir);
      if (raced !== undefined) return { ...raced, created: false };
    }
    throw stateError('KTO_ERR_AGENT_STATE_IO', `cannot write ${path}: ${(err as Error).message}`, err);
  }
  return { identity: identityFromSeed(seed), created: true, warning: undefined };
}

/** The key pair in the state directory, or undefined when there is none. */
export async function loadIdentity(stateDir: string): Promise<{ identity: Identity; warning: string | undefined } | undefined> {
  const path = join(stateDir, KEY_FILE);
  let text: string;
  let mode: number;
  try {
    text = await readFile(path, 'utf8');
    mode = (await stat(path)).mode;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw stateError('KTO_ERR_AGENT_STATE_IO', `cannot read ${path}: ${(err as Error).message}`, err);
  }
  const warning = (mode & 0o077) !== 0
    ? `${path} is readable by group or others (mode ${(mode & 0o777).toString(8)}); chmod 600 it` : undefined;
  return { identity: identityFromSeed(fromPem(text, path)), warning };
}

/** agent.json, or undefined before enrolment. */
export async function readEnrolment(stateDir: string): Promise<Enrolment | undefined> {
  const path = join(stateDir, ENROLMENT_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw stateError('KTO_ERR_AGENT_STATE_IO', `cannot read ${path}: ${(err as Error).message}`, err);
  }
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw stateError('KTO_ERR_AGENT_STATE_CORRUPT', `${path} is not valid JSON`, err);
  }
  if (typeof j.agent_id !== 'string' || typeof j.collector !== 'string' || typeof j.public_key !== 'string') {
    throw stateError('KTO_ERR_AGENT_STATE_CORRUPT', `${path} lacks agent_id, collector or public_key`);
  }
  return {
    agentId: j.agent_id, collector: j.collector, publicKey: j.public_key,
    country: typeof j.country === 'string' ? j.country : '',
    continent: typeof j.continent === 'string' ? j.continent : '',
    asn: typeof j.asn === 'number' ? j.asn : 0,
    name: typeof j.name === 'string' ? j.name : '',
    enrolledAtMs: typeof j.enrolled_at_ms === 'number' ? j.enrolled_at_ms : 0,
  };
}

export async function writeEnrolment(stateDir: string, e: Enrolment): Promise<void> {
  const path = join(stateDir, ENROLMENT_FILE);
  const json = {
    agent_id: e.agentId, collector: e.collector, public_key: e.publicKey, country: e.country,
    continent: e.continent, asn: e.asn, name: e.name, enrolled_at_ms: e.enrolledAtMs,
  };
  try {
    await writeFileDurably(path, `${JSON.stringify(json, null, 2)}\n`, { mode: 0o600 });
  } catch (err) {
    throw stateError('KTO_ERR_AGENT_STATE_IO', `cannot write ${path}: ${(err as Error).message}`, err);
  }
}
