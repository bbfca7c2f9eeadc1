import { createPrivateKey, createPublicKey, sign as nodeSign, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isKtoError } from '@kto/core';
import { afterAll, describe, expect, it } from 'vitest';
import { agentIdFor, ENROLMENT_FILE, KEY_FILE, loadIdentity, loadOrCreateIdentity, readEnrolment, writeEnrolment } from './identity.js';
import { enroll } from './enroll.js';
import { FakeCollector } from './testing/fake-collector.js';

const root = mkdtempSync(join(tmpdir(), 'kto-agent-id-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `s${n++}`, 'state');

describe('identity', () => {
  it('makes a key pair on first run (dir 0700, key 0600) and loads the same one afterwards', async () => {
    const dir = fresh();
    const first = await loadOrCreateIdentity(dir);
    expect(first.created).toBe(true);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, KEY_FILE)).mode & 0o777).toBe(0o600);
    const again = await loadOrCreateIdentity(dir);
    expect(again.created).toBe(false);
    expect(again.identity.publicKeyHex).toBe(first.identity.publicKeyHex);
    expect(again.warning).toBeUndefined();
  });

  it('stores a PKCS#8 PEM that node:crypto reads; signatures verify both ways', async () => {
    const dir = fresh();
    const { identity } = await loadOrCreateIdentity(dir);
    const priv = createPrivateKey(readFileSync(join(dir, KEY_FILE), 'utf8'));
    const pub = createPublicKey(priv);
    const raw = pub.export({ format: 'der', type: 'spki' }).subarray(-32);
    expect(Buffer.from(raw).toString('hex')).toBe(identity.publicKeyHex);
    const msg = new TextEncoder().encode('kto-hello-v1\na0123\n5');
    expect(verify(null, msg, pub, identity.sign(msg))).toBe(true);
    // Ed25519 is deterministic: node:crypto signs to the same bytes
    expect(Buffer.from(nodeSign(null, msg, priv)).equals(Buffer.from(identity.sign(msg)))).toBe(true);
  });

  it('derives the agent id as "a" + 20 hex digits of SHA-256(public key)', () => {
    // SHA-256 of 32 zero bytes = 66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925
    expect(agentIdFor(new Uint8Array(32))).toBe('a66687aadf862bd776c8f');
  });

  it('warns about a key file others can read, and refuses a key file that is not a key', async () => {
    const dir = fresh();
    await loadOrCreateIdentity(dir);
    const { chmodSync } = await import('node:fs');
    chmodSync(join(dir, KEY_FILE), 0o644);
    expect((await loadIdentity(dir))?.warning).toMatch(/chmod 600/);
    writeFileSync(join(dir, KEY_FILE), 'not a key\n');
    await expect(loadIdentity(dir)).rejects.toSatisfy((e) => isKtoError(e, 'KTO_ERR_AGENT_STATE_CORRUPT'));
  });

  it('round-trips agent.json and refuses a broken one', async () => {
    const dir = fresh();
    await loadOrCreateIdentity(dir);
    const e = { agentId: 'a0123456789abcdef0123', collector: 'http://c', publicKey: 'ab', country: 'CZ', continent: 'EU', asn: 25192, name: 'x', enrolledAtMs: 5 };
    await writeEnrolment(dir, e);
    expect(await readEnrolment(dir)).toEqual(e);
    writeFileSync(join(dir, ENROLMENT_FILE), '{"agent_id": 5}');
    await expect(readEnrolment(dir)).rejects.toSatisfy((err) => isKtoError(err, 'KTO_ERR_AGENT_STATE_CORRUPT'));
  });
});

describe('enroll', () => {
  it('registers the key with a token and stores what the collector returns', async () => {
    const c = await FakeCollector.start({ tokens: ['t1'] });
    try {
      const dir = fresh();
      const r = await enroll({ collector: `${c.url}/`, token: 't1', country: 'nl', continent: 'eu', asn: 1140, name: 'probe', stateDir: dir });
      expect(r.keyCreated).toBe(true);
      expect(r.alreadyEnrolled).toBe(false);
      const { identity } = (await loadIdentity(dir))!;
      expect(c.enrolments[0]).toEqual({ token: 't1', public_key: identity.publicKeyHex, country: 'NL', continent: 'EU', asn: 1140, name: 'probe' });
      expect(r.enrolment.agentId).toBe(agentIdFor(identity.publicKey));
      expect(await readEnrolment(dir)).toMatchObject({ agentId: r.enrolment.agentId, collector: c.url, country: 'NL', asn: 1140 });
      // same key again: same id, 200
      const again = await enroll({ collector: c.url, token: 't1', country: 'NL', continent: 'EU', stateDir: dir });
      expect(again.alreadyEnrolled).toBe(true);
      expect(again.keyCreated).toBe(false);
      expect(again.enrolment.agentId).toBe(r.enrolment.agentId);
    } finally {
      await c.close();
    }
  });

  it('reports a refused token with the collector\'s code, and an unreachable collector', async () => {
    const c = await FakeCollector.start({ tokens: ['t1'] });
    const dir = fresh();
    try {
      await expect(enroll({ collector: c.url, token: 'wrong', country: 'NL', continent: 'EU', stateDir: dir }))
        .rejects.toSatisfy((e) => isKtoError(e, 'KTO_ERR_AGENT_ENROLMENT_REFUSED') && /401 KTO_ERR_AUTH_BAD_TOKEN/.test(e.message));
      expect(await readEnrolment(dir)).toBeUndefined();
    } finally {
      await c.close();
    }
    await expect(enroll({ collector: c.url, token: 't1', country: 'NL', continent: 'EU', stateDir: dir }))
      .rejects.toSatisfy((e) => isKtoError(e, 'KTO_ERR_AGENT_COLLECTOR_UNREACHABLE'));
    await expect(enroll({ collector: c.url, token: 't1', country: 'Netherlands', continent: 'EU', stateDir: dir }))
      .rejects.toSatisfy((e) => isKtoError(e, 'KTO_ERR_AGENT_BAD_CONFIG'));
  });
});
