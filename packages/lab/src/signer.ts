// Signing a zone's RRsets like a real signer (RFC 4035 §2.2): every RRSIG made at a re-sign time
// ("epoch") has inception = epoch - max TTL and expiration = epoch + validity; the signer re-signs
// when half the validity has passed. Signatures are cached per (key, RRset content, TTL, window),
// so a zone rebuilt for a new step re-signs only what changed.

import type { KeyObject } from 'node:crypto';
import { RRTYPE } from '@kto/core';
import type { RrInput } from '@kto/core';
import { signRrset } from '@kto/core/node';
import type { RRset, ZoneData } from './zone-builder.js';

/** A key as the signer uses it: the DNSKEY it is published as (REVOKE bit included) and its tag. */
export interface SigningKey {
  /** Unique within the lab (cache key), e.g. 'zsk-pp/Z10' or 'zsk-pp/K1+revoked'. */
  uid: string;
  algorithm: number;
  keyTag: number;
  privateKey: KeyObject;
}

export interface ZoneSigner {
  key: SigningKey;
  /** Signs the apex DNSKEY, CDS and CDNSKEY RRsets. */
  dnskey: boolean;
  /** Signs every other authoritative RRset (DS and NSEC at delegations included, RFC 4035 §2.2). */
  zone: boolean;
}

/** An RRSIG validity window, real seconds since the epoch. */
export interface SignatureWindow {
  inception: number;
  expiration: number;
}

export interface SignedRRset extends RRset {
  /** RRSIG RDATA over this RRset, one per signing key. */
  sigs: readonly Uint8Array[];
}

/** The RRsets of the DNSKEY scope (RFC-NOTES.md: a KSK signs the DNSKEY RRset, CDS and CDNSKEY). */
export function isKeyScope(type: number): boolean {
  return type === RRTYPE.DNSKEY || type === RRTYPE.CDS || type === RRTYPE.CDNSKEY;
}

/**
 * The signature schedule: at lab time `t`, the latest re-sign time ("epoch") on the grid
 * since + k * validity / 2, or the one in force when signing stopped. Lab seconds throughout.
 */
export function signingEpoch(t: number, validity: { seconds: number; since: number }, stoppedAt: number | undefined): { epoch: number; next: number } {
  const half = validity.seconds / 2;
  const at = stoppedAt !== undefined && stoppedAt <= t ? stoppedAt : t;
  const epoch = validity.since + Math.max(0, Math.floor((at - validity.since) / half)) * half;
  return { epoch, next: stoppedAt !== undefined && stoppedAt <= t ? Infinity : epoch + half };
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * Signs zones and keeps the signatures it made, so that a rebuild with unchanged content and window
 * costs no signing. Entries not used by the latest two builds are dropped.
 */
export class SignatureCache {
  #current = new Map<string, Uint8Array>();
  #previous = new Map<string, Uint8Array>();
  /** Signatures made (not taken from the cache) since the cache was created. */
  made = 0;

  /** Starts a build: entries of the build before last are forgotten. */
  #rotate(): void {
    this.#previous = this.#current;
    this.#current = new Map();
  }

  #sign(rrset: RRset, content: string, signer: SigningKey, apex: string, window: SignatureWindow): Uint8Array {
    const id = `${signer.uid}|${window.inception}|${window.expiration}|${rrset.ttl}|${content}`;
    let sig = this.#current.get(id) ?? this.#previous.get(id);
    if (sig === undefined) {
      const input: RrInput[] = rrset.rdatas.map((rdata) => ({ name: rrset.name, type: rrset.type, klass: 1, rdata }));
      sig = signRrset({
        rrset: input, signer: apex, key: signer.privateKey, keyTag: signer.keyTag, algorithm: signer.algorithm,
        inception: window.inception, expiration: window.expiration, originalTtl: rrset.ttl,
      });
      this.made++;
    }
    this.#current.set(id, sig);
    return sig;
  }

  /**
   * The zone's authoritative RRsets with their RRSIGs: each signer signs the RRsets of its scope. With
   * `cdsByZoneKeys`, the zone signers sign CDS and CDNSKEY as well as the KSKs (as PowerDNS does for
   * split keys): in an RFC 8901 model 2 zone each provider's DNSKEY RRset holds only its own KSK but
   * every provider's ZSK, so a resolver that holds one provider's DNSKEY RRset and asks another for CDS
   * can validate it only by a ZSK signature (KSK-only CDS from the other provider is bogus to it).
   */
  signZone(zone: ZoneData, signers: readonly ZoneSigner[], window: SignatureWindow, opts: { cdsByZoneKeys?: boolean } = {}): SignedRRset[] {
    this.#rotate();
    const out: SignedRRset[] = [];
    for (const rrset of zone.rrsets) {
      const keyScope = isKeyScope(rrset.type);
      const both = opts.cdsByZoneKeys === true && (rrset.type === RRTYPE.CDS || rrset.type === RRTYPE.CDNSKEY);
      let content: string | undefined;
      const sigs: Uint8Array[] = [];
      for (const s of signers) {
        if (both ? !s.dnskey && !s.zone : keyScope ? !s.dnskey : !s.zone) continue;
        content ??= `${rrset.name}/${rrset.type}/${rrset.rdatas.map(hex).join(',')}`;
        sigs.push(this.#sign(rrset, content, s.key, zone.apex, window));
      }
      out.push({ ...rrset, sigs });
    }
    return out;
  }
}
