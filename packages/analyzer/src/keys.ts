// Key identity (algorithm + key tag + public key hash, never the tag alone) and role inference.
// Every DNSKEY seen in any answer is registered once; a key seen with the REVOKE bit is the same key
// (same algorithm and public key) under another tag (RFC 5011 §3). RRSIGs name only algorithm + tag:
// they resolve to every registered key with that pair (a collision is counted and, with raw data,
// settled by verifying), or to a placeholder for a key never seen in a DNSKEY RRset.

import { DNSKEY_FLAG } from './observation.js';
import type { StateKey } from './runs.js';
import type { KeyInfo, KeyRole, RoleSource } from './types.js';

export interface KeyRecord {
  idx: number;
  id: string;
  algorithm: number;
  tag: number;
  revokedTag: number | null;
  hash: string;
  flags: number;
  bits: number;
  inDnskey: boolean;
  /** DNSKEY RDATA (unrevoked form as seen), once a raw answer held it. */
  rdata: Uint8Array | null;
  rdataRevoked: Uint8Array | null;
  // behaviour, filled by the timeline
  signsDnskey: boolean;
  signsZone: boolean;
  hasDs: boolean;
}

export class KeyRegistry {
  readonly list: KeyRecord[] = [];
  private readonly byAlgHash = new Map<string, KeyRecord>();
  private readonly byAlgTag = new Map<string, KeyRecord[]>();
  /** Keys known from RRSIGs only. */
  private readonly placeholders = new Map<string, KeyRecord>();

  /** The key of a DNSKEY record of an answer, registering it on first sight. */
  fromStateKey(k: StateKey): KeyRecord {
    const ah = `${k.algorithm}:${k.hash}`;
    const revoked = (k.flags & DNSKEY_FLAG.REVOKE) !== 0;
    let rec = this.byAlgHash.get(ah);
    if (rec === undefined) {
      const tag = revoked ? unrevokedTagGuess(k.tag) : k.tag;
      rec = {
        idx: this.list.length, id: `${k.algorithm}-${tag}-${k.hash}`, algorithm: k.algorithm, tag,
        revokedTag: revoked ? k.tag : null, hash: k.hash, flags: revoked ? k.flags & ~DNSKEY_FLAG.REVOKE : k.flags, bits: k.bits,
        inDnskey: true, rdata: null, rdataRevoked: null, signsDnskey: false, signsZone: false, hasDs: false,
      };
      this.list.push(rec);
      this.byAlgHash.set(ah, rec);
      this.index(rec, rec.tag);
      if (revoked) this.index(rec, k.tag);
    } else if (revoked && rec.revokedTag === null) {
      rec.revokedTag = k.tag;
      this.index(rec, k.tag);
    }
    return rec;
  }

  private index(rec: KeyRecord, tag: number): void {
    const at = `${rec.algorithm}:${tag}`;
    const list = this.byAlgTag.get(at);
    if (list === undefined) this.byAlgTag.set(at, [rec]);
    else if (!list.includes(rec)) list.push(rec);
  }

  /** Registered keys an RRSIG with this algorithm and key tag may come from (revoked tags included). */
  candidates(algorithm: number, tag: number): readonly KeyRecord[] {
    return this.byAlgTag.get(`${algorithm}:${tag}`) ?? [];
  }

  /** A key known only from RRSIGs: never seen in a DNSKEY RRset. */
  placeholder(algorithm: number, tag: number): KeyRecord {
    const at = `${algorithm}:${tag}`;
    let rec = this.placeholders.get(at);
    if (rec === undefined) {
      rec = {
        idx: this.list.length, id: `${algorithm}-${tag}-`, algorithm, tag, revokedTag: null, hash: '', flags: 0, bits: 0,
        inDnskey: false, rdata: null, rdataRevoked: null, signsDnskey: false, signsZone: false, hasDs: false,
      };
      this.list.push(rec);
      this.placeholders.set(at, rec);
    }
    return rec;
  }

  /** Keys sharing algorithm and key tag (distinct public keys). */
  collisions(): { algorithm: number; key_tag: number; keys: string[] }[] {
    const out: { algorithm: number; key_tag: number; keys: string[] }[] = [];
    for (const [at, list] of this.byAlgTag) {
      const real = list.filter((k) => k.inDnskey);
      if (real.length > 1) {
        const [alg, tag] = at.split(':').map(Number) as [number, number];
        out.push({ algorithm: alg, key_tag: tag, keys: real.map((k) => k.id).sort() });
      }
    }
    return out;
  }
}

/**
 * The tag a revoked key has without REVOKE, when only the revoked form was seen: the flags word adds
 * 0x0080 to the RFC 4034 Appendix B sum, so the tag drops by 128 (by 129 when the fold carried).
 * Exact values come from the RDATA when raw answers are available (signatures.ts sets them).
 */
function unrevokedTagGuess(revokedTag: number): number {
  return (revokedTag - 128 + 0x10000) & 0xffff;
}

/** Role from behaviour (signs the DNSKEY RRset / zone data / both, a DS matches it), else from the SEP flag. */
export function roleOf(k: KeyRecord): { role: KeyRole; source: RoleSource } {
  if (k.signsDnskey && k.signsZone) return { role: 'CSK', source: 'behaviour' };
  if (k.signsZone) return { role: 'ZSK', source: 'behaviour' };
  if (k.signsDnskey) return { role: 'KSK', source: 'behaviour' };
  if (k.hasDs) return { role: 'KSK', source: 'ds' };
  return { role: (k.flags & DNSKEY_FLAG.SEP) !== 0 ? 'KSK' : 'ZSK', source: 'flags' };
}

export function keyInfoOf(k: KeyRecord, collision: boolean): KeyInfo {
  const { role, source } = roleOf(k);
  return {
    key_id: k.id, algorithm: k.algorithm, key_tag: k.tag, revoked_tag: k.revokedTag, key_hash: k.hash, flags: k.flags, bits: k.bits,
    role, role_source: source, tag_collision: collision, in_dnskey_rrset: k.inDnskey,
  };
}
