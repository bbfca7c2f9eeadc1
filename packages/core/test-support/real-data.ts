// Test-only helpers: reading /work/shared/real-data (CI: ../shared beside the clone) and checking
// DNSSEC signatures with node:crypto directly. The canonical-form tests use this minimal checker
// rather than src/dnssec, so that they prove signedData byte for byte without depending on the
// verification code that is itself built on signedData.

import { createPublicKey, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parseZoneText } from '../src/zone-text.js';
import type { ZoneParseResult } from '../src/zone-text.js';

/** The real-data folder: $KTO_REAL_DATA, else shared/real-data beside the repository (../shared). */
export const REAL_DATA = process.env.KTO_REAL_DATA ?? fileURLToPath(new URL('../../../../shared/real-data/', import.meta.url));

export function realDataPath(rel: string): string {
  return REAL_DATA.replace(/\/?$/, '/') + rel;
}

/** A real-data file as text (gunzipped when it ends in .gz). */
export function readRealText(rel: string): string {
  const raw = readFileSync(realDataPath(rel));
  return (rel.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
}

const zoneCache = new Map<string, ZoneParseResult>();

/** parseZoneText of a real-data file, cached per path. */
export function parseRealZone(rel: string): ZoneParseResult {
  let z = zoneCache.get(rel);
  if (z === undefined) {
    z = parseZoneText(readRealText(rel));
    zoneCache.set(rel, z);
  }
  return z;
}

function b64url(b: Uint8Array): string {
  return Buffer.from(b).toString('base64url');
}

/** node:crypto public key for DNSKEY algorithm + public key field (RFC 3110, 6605, 8080 encodings). */
export function publicKeyObject(algorithm: number, key: Uint8Array): KeyObject {
  switch (algorithm) {
    case 5: case 7: case 8: case 10: {
      let p = 1;
      let expLen = key[0] as number;
      if (expLen === 0) {
        expLen = ((key[1] as number) << 8) | (key[2] as number);
        p = 3;
      }
      const e = key.subarray(p, p + expLen);
      const n = key.subarray(p + expLen);
      return createPublicKey({ key: { kty: 'RSA', n: b64url(n), e: b64url(e) }, format: 'jwk' });
    }
    case 13: case 14: {
      const half = key.length / 2;
      return createPublicKey({
        key: { kty: 'EC', crv: algorithm === 13 ? 'P-256' : 'P-384', x: b64url(key.subarray(0, half)), y: b64url(key.subarray(half)) },
        format: 'jwk',
      });
    }
    case 15: case 16:
      return createPublicKey({ key: { kty: 'OKP', crv: algorithm === 15 ? 'Ed25519' : 'Ed448', x: b64url(key) }, format: 'jwk' });
    default:
      throw new Error(`test helper: no verifier for DNSSEC algorithm ${algorithm}`);
  }
}

const HASH: Record<number, string | null> = { 5: 'sha1', 7: 'sha1', 8: 'sha256', 10: 'sha512', 13: 'sha256', 14: 'sha384', 15: null, 16: null };

/** Verifies a DNSSEC signature over `data` (RFC 3110 / 5702 / 6605 / 8080 conventions). */
export function verifyDnssec(algorithm: number, key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  const hash = HASH[algorithm];
  if (hash === undefined) throw new Error(`test helper: no verifier for DNSSEC algorithm ${algorithm}`);
  if (algorithm === 13 || algorithm === 14) {
    return verify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature);
  }
  return verify(hash, data, key, signature);
}

export interface RootZoneFacts {
  file: string;
  serial: number;
  /** DNSKEY set as the README table gives it: key tag and flags. */
  dnskeys: { keyTag: number; flags: number }[];
  /** RRSIG count that dnspython validated (root-zone/VERIFY.txt). */
  rrsigs: number;
}

/** The six root-zone snapshots with the facts real-data/README.md §1 and root-zone/VERIFY.txt state. */
export function rootZoneFacts(): RootZoneFacts[] {
  const readme = readRealText('README.md');
  const verify = readRealText('root-zone/VERIFY.txt');
  const out: RootZoneFacts[] = [];
  for (const line of readme.split('\n')) {
    const m = /^\| `(root-zone-[\d-]+\.zone\.gz)` \|[^|]*\|[^|]*\| (\d{10}) \| ([^|]+) \|/.exec(line);
    if (m === null) continue;
    const file = m[1] as string;
    const dnskeys = [...(m[3] as string).matchAll(/(\d+)\/(\d+)/g)].map((k) => ({ keyTag: Number(k[1]), flags: Number(k[2]) }));
    const v = new RegExp(`^${file.replace('.gz', '').replace(/\./g, '\\.')}\\s+(\\d+)/(\\d+) RRSIGs valid`, 'm').exec(verify);
    if (v === null) throw new Error(`no VERIFY.txt line for ${file}`);
    out.push({ file: `root-zone/${file}`, serial: Number(m[2]), dnskeys, rrsigs: Number(v[2]) });
  }
  return out;
}
