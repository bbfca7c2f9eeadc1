// Enrolment tokens and agent enrolment / revocation (ARCHITECTURE.md §5). A token is a random
// secret shown once; only its SHA-256 is stored. Enrolment registers an Ed25519 public key and
// derives the agent_id from it; enrolling the same key again returns the same agent_id.
import { createHash, randomBytes } from 'node:crypto';
import { KtoError } from '@kto/core';
import { agentIdFromPublicKey, parsePublicKeyHex } from './identity.js';
import type { AgentRecord, EnrolmentToken, Store } from './storage/types.js';

export const TOKEN_PREFIX = 'kto_et_';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export interface NewToken {
  token: string;
  record: EnrolmentToken;
}

/** Creates and stores an enrolment token. ttlS 0 = never expires; maxUses 0 = unlimited. */
export async function createEnrolmentToken(
  store: Store, opts: { label: string; ttlS: number; maxUses: number }, nowMs: number,
): Promise<NewToken> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const record: EnrolmentToken = {
    token_sha256: sha256Hex(token),
    label: opts.label,
    created_at_ms: nowMs,
    expires_at_ms: opts.ttlS === 0 ? 0 : nowMs + opts.ttlS * 1000,
    max_uses: opts.maxUses,
  };
  await store.putEnrolmentToken(record);
  return { token, record };
}

export interface EnrolRequest {
  token: string;
  public_key: string;
  country: string;
  continent: string;
  asn?: number | undefined;
  name?: string | undefined;
}

export interface EnrolResult {
  agent: AgentRecord;
  created: boolean;
}

export class Enrolment {
  /** Enrolments per token run one at a time, so max_uses holds within this collector. */
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly store: Store, private readonly now: () => number) {}

  /**
   * Enrols an agent. Throws KTO_ERR_ENROL_BAD_TOKEN, _TOKEN_EXPIRED, _TOKEN_USED_UP,
   * _BAD_PUBLIC_KEY or _AGENT_REVOKED. An already enrolled key returns its record (created: false)
   * unchanged and does not count as a use of the token.
   */
  async enrol(req: EnrolRequest): Promise<EnrolResult> {
    const hash = sha256Hex(req.token);
    const tok = await this.store.getEnrolmentToken(hash);
    if (tok === null) throw new KtoError('KTO_ERR_ENROL_BAD_TOKEN', 'unknown enrolment token');
    if (tok.expires_at_ms !== 0 && this.now() >= tok.expires_at_ms) {
      throw new KtoError('KTO_ERR_ENROL_TOKEN_EXPIRED', `the enrolment token expired at ${new Date(tok.expires_at_ms).toISOString()}`);
    }
    const raw = parsePublicKeyHex(req.public_key);
    const agentId = agentIdFromPublicKey(raw);
    return this.serialize(hash, async () => {
      const existing = await this.store.getAgent(agentId);
      if (existing !== null) {
        if (existing.revoked !== 0) {
          throw new KtoError('KTO_ERR_ENROL_AGENT_REVOKED', `agent ${agentId} was revoked; enrol a new key`);
        }
        return { agent: existing, created: false };
      }
      if (tok.max_uses !== 0 && (await this.store.enrolmentTokenUses(hash)) >= tok.max_uses) {
        throw new KtoError('KTO_ERR_ENROL_TOKEN_USED_UP', `the enrolment token allows ${tok.max_uses} enrolment(s)`);
      }
      const now = this.now();
      const agent: AgentRecord = {
        agent_id: agentId,
        public_key: Buffer.from(raw).toString('hex'),
        country: req.country.toUpperCase(),
        continent: req.continent,
        asn: req.asn ?? 0,
        name: req.name ?? '',
        enrolled_at_ms: now,
        revoked: 0,
        revoked_at_ms: 0,
        updated_at_ms: now,
      };
      await this.store.upsertAgent(agent);
      await this.store.recordEnrolmentUse(hash, agentId, now);
      return { agent, created: true };
    });
  }

  /** Marks an agent revoked (idempotent). Returns null when no agent has this id. */
  async revoke(agentId: string): Promise<AgentRecord | null> {
    const rec = await this.store.getAgent(agentId);
    if (rec === null) return null;
    if (rec.revoked !== 0) return rec;
    const now = this.now();
    const revoked: AgentRecord = {
      ...rec, revoked: 1, revoked_at_ms: now, updated_at_ms: Math.max(now, rec.updated_at_ms + 1),
    };
    await this.store.upsertAgent(revoked);
    return revoked;
  }

  private async serialize<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const run = prev.catch(() => undefined).then(fn);
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    }
  }
}
