// RFC test vectors (real-data/rfc-vectors, transcribed from the RFC text): the RFC 5702 §6, RFC 6605
// §6 and RFC 8080 §6 (+ Errata 4935) signatures verify with both back ends; the private keys the
// RFCs print re-create the RFC DNSKEYs, and re-sign to the exact RFC bytes where the scheme is
// deterministic (RSA PKCS#1 v1.5, EdDSA). ECDSA is randomized: our signatures must verify instead.
// RFC 4035 Appendix A (RSASHA1) and RFC 5155 Appendix A (RSASHA1-NSEC3-SHA1) verify completely.

import { describe, expect, it } from 'vitest';
import { keyTag } from '../keytag.js';
import { decodeRrsig, encodeRrsig } from '../rdata.js';
import { base64Decode } from '../text-encoding.js';
import { parseZoneText } from '../zone-text.js';
import type { ZoneRecord } from '../zone-text.js';
import { parseRealZone, readRealText } from '../../test-support/real-data.js';
import { parseTime, zoneSignatures } from '../../test-support/rrsig-checks.js';
import type { DnssecBackend } from './backend.js';
import { nobleBackend } from './noble-backend.js';
import { readBindPrivateKey } from './node-bind-private-key.js';
import { nodeBackend } from './node-backend.js';
import { dnskeyFromKeyObject } from './node-keys.js';
import { signRrset } from './node-sign.js';
import { findRrsigSignersWith, verifyRrsigWith } from './verify.js';

const BACKENDS: DnssecBackend[] = [nodeBackend, nobleBackend];

interface Example {
  title: string;
  records: ZoneRecord[];
  dnskey: ZoneRecord;
  rrsig: ZoneRecord;
  rrset: ZoneRecord[];
  /** Mid-window time. */
  now: number;
}

/** The signed examples of rfc-algorithm-examples.zone, one per ";; ===" section. */
function examples(): Example[] {
  const parts = readRealText('rfc-vectors/rfc-algorithm-examples.zone').split(/^;; =+\n;; (.*)\n;; =+$/m);
  const out: Example[] = [];
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const records = parseZoneText(parts[i + 1] as string).records;
    const rrsig = records.find((r) => r.type === 46);
    const dnskey = records.find((r) => r.type === 48);
    if (rrsig === undefined || dnskey === undefined) continue; // the parse-only and DS-only sections
    const sig = decodeRrsig(rrsig.rdata, 0, rrsig.rdata.length);
    const rrset = records.filter((r) => r.name === rrsig.name && r.type === sig.typeCovered);
    out.push({ title: parts[i] as string, records, dnskey, rrsig, rrset, now: Math.floor((sig.inception + sig.expiration) / 2) });
  }
  return out;
}

const EXAMPLES = examples();

describe('RFC 5702 §6, RFC 6605 §6, RFC 8080 §6 (Errata 4935) examples', () => {
  it('are the eight signed examples, algorithms 8, 10, 13, 14, 15, 15, 16, 16', () => {
    expect(EXAMPLES.map((e) => e.dnskey.rdata[3])).toEqual([8, 10, 13, 14, 15, 15, 16, 16]);
  });

  it.each(BACKENDS.map((b) => [b.name, b] as const))('verify with the %s back end, in their window and not outside it', (_n, backend) => {
    for (const e of EXAMPLES) {
      const sig = decodeRrsig(e.rrsig.rdata, 0, e.rrsig.rdata.length);
      const input = { rrsig: e.rrsig.rdata, rrset: e.rrset, dnskey: e.dnskey.rdata, keyOwner: e.dnskey.name };
      expect(verifyRrsigWith(backend, { ...input, now: e.now }), e.title).toEqual({ status: 'valid' });
      expect(verifyRrsigWith(backend, input), e.title).toEqual({ status: 'valid' });
      expect(verifyRrsigWith(backend, { ...input, now: sig.expiration + 1 }).status, e.title).toBe('expired');
      expect(verifyRrsigWith(backend, { ...input, now: sig.inception - 1 }).status, e.title).toBe('not-yet-valid');
    }
  });

  it('RFC 8080 as published (labels 3 for the 2-label example.com, other signatures) is rejected', () => {
    const text = readRealText('rfc-vectors/rfc-algorithm-examples.zone');
    const published = [...text.matchAll(/Published signature \(does not verify as MX (\d+) 2 \.\.\.\): (\S+)/g)];
    const eddsa = EXAMPLES.filter((e) => e.title.startsWith('RFC 8080'));
    expect(published).toHaveLength(4);
    expect(eddsa).toHaveLength(4);
    eddsa.forEach((e, i) => {
      const sig = decodeRrsig(e.rrsig.rdata, 0, e.rrsig.rdata.length);
      const signature = base64Decode(published[i]?.[2] as string) as Uint8Array;
      expect(Number(published[i]?.[1])).toBe(sig.algorithm);
      for (const backend of BACKENDS) {
        const base = { rrset: e.rrset, dnskey: e.dnskey.rdata, keyOwner: 'example.com.', now: e.now };
        // the published signature was made over labels = 3: with the corrected labels = 2 it does not verify
        expect(verifyRrsigWith(backend, { ...base, rrsig: { ...sig, signature } }), e.title)
          .toEqual({ status: 'invalid', reason: 'the signature does not verify' });
        // and labels = 3 exceeds the owner's 2 labels, which a validator must reject (RFC 4035 §5.3.1)
        const asPublished = verifyRrsigWith(backend, { ...base, rrsig: { ...sig, labels: 3, signature } });
        expect(asPublished.status, e.title).toBe('invalid');
        expect(asPublished.reason, e.title).toMatch(/labels 3 exceed the 2 labels/);
      }
    });
  });
});

describe('the private keys printed in RFC 5702, 6605 and 8080', () => {
  // "; ---- RFC ... key tag N)" then the key file text
  const blocks = readRealText('rfc-vectors/rfc-private-keys.txt').split(/^(?=; ---- )/m).slice(1);

  it('are eight, each re-creating the RFC DNSKEY (same public key, same key tag)', () => {
    expect(blocks).toHaveLength(8);
    for (const block of blocks) {
      const tag = Number(/key tag (\d+)/.exec(block)?.[1]);
      const key = readBindPrivateKey(block);
      const e = EXAMPLES.find((x) => keyTag(x.dnskey.rdata) === tag) as Example;
      expect(e, `example with key tag ${tag}`).toBeDefined();
      const flags = (e.dnskey.rdata[0] as number) * 256 + (e.dnskey.rdata[1] as number);
      expect(dnskeyFromKeyObject(key.algorithm, key.privateKey, flags)).toEqual(e.dnskey.rdata);
      expect(dnskeyFromKeyObject(key.algorithm, key.publicKey, flags)).toEqual(e.dnskey.rdata);
    }
  });

  it('re-sign the RFC examples: RSA and EdDSA to the exact RFC bytes, ECDSA to signatures that verify', () => {
    let exact = 0;
    for (const block of blocks) {
      const tag = Number(/key tag (\d+)/.exec(block)?.[1]);
      const key = readBindPrivateKey(block);
      const e = EXAMPLES.find((x) => keyTag(x.dnskey.rdata) === tag) as Example;
      const sig = decodeRrsig(e.rrsig.rdata, 0, e.rrsig.rdata.length);
      const ours = signRrset({
        rrset: e.rrset, signer: sig.signer, key: key.privateKey, keyTag: sig.keyTag, algorithm: sig.algorithm,
        inception: sig.inception, expiration: sig.expiration, originalTtl: sig.originalTtl,
      });
      // the RRSIG fields (labels computed from the owner) equal the RFC's
      expect(ours.subarray(0, ours.length - sig.signature.length)).toEqual(encodeRrsig({ ...sig, signature: new Uint8Array(0) }));
      if (key.algorithm === 13 || key.algorithm === 14) {
        for (const backend of BACKENDS) {
          expect(verifyRrsigWith(backend, { rrsig: ours, rrset: e.rrset, dnskey: e.dnskey.rdata, keyOwner: e.dnskey.name, now: e.now }))
            .toEqual({ status: 'valid' });
        }
      } else {
        expect(ours, e.title).toEqual(e.rrsig.rdata);
        exact++;
      }
    }
    expect(exact).toBe(6);
  });
});

describe('RFC 4035 Appendix A and RFC 5155 Appendix A zones', () => {
  it.each([
    ['rfc-vectors/rfc4035-appendix-A.zone', 'example.', '20040420000000', 5],
    ['rfc-vectors/rfc5155-appendix-A.zone', 'example.', '20100101000000', 7],
  ])('%s: every RRSIG verifies with both back ends at the time ldns verified it', (file, apex, time, algorithm) => {
    const sigs = zoneSignatures(parseRealZone(file).records);
    expect(sigs.length).toBeGreaterThan(20);
    for (const backend of BACKENDS) {
      for (const s of sigs) {
        expect(s.sig.algorithm).toBe(algorithm);
        const [r] = findRrsigSignersWith(backend, {
          rrset: s.rrset, rrsigs: [s.rrsig.rdata], dnskeys: s.dnskeys.map((k) => k.rdata), keyOwner: apex, now: parseTime(time),
        });
        expect(r?.status, `${backend.name} ${s.rrsig.name} RRSIG ${s.sig.typeCovered}`).toBe('valid');
      }
    }
  });
});
