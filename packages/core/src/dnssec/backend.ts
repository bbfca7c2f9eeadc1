// The interface between RRSIG verification (verify.ts: which key, which window, which octets) and
// the code that checks one signature. Two implementations: node:crypto (node-backend.ts, behind
// the "@kto/core/node" entry) and @noble/curves + BigInt RSA (noble-backend.ts, browser-safe).

import type { VerifyAlgorithm } from './algorithms.js';
import { KeyCache } from './key-cache.js';

export interface DnssecBackend<K = unknown> {
  /** Short name for reports and benchmarks ("node", "noble"). */
  readonly name: string;
  /** Whether this back end verifies `algorithm` (one of VERIFY_ALGORITHMS, or a subset). */
  supports(algorithm: number): boolean;
  /**
   * Imports a DNSKEY public key field for `algorithm`. Throws a KtoError when the field is not a
   * key of that algorithm. Called once per distinct key (see importedKey).
   */
  importKey(algorithm: VerifyAlgorithm, publicKey: Uint8Array): K;
  /**
   * Checks `signature` over `data`. The caller has checked the signature length for ECDSA/EdDSA
   * and RSA. Returns false for any signature that does not verify, including malformed ones.
   */
  verify(algorithm: VerifyAlgorithm, key: K, data: Uint8Array, signature: Uint8Array): boolean;
}

const caches = new WeakMap<DnssecBackend, KeyCache<unknown>>();

/** The back end's imported key for (algorithm, publicKey), from a per-back-end cache. */
export function importedKey<K>(backend: DnssecBackend<K>, algorithm: VerifyAlgorithm, publicKey: Uint8Array): K {
  let cache = caches.get(backend as DnssecBackend) as KeyCache<K> | undefined;
  if (cache === undefined) {
    cache = new KeyCache<K>((a, k) => backend.importKey(a as VerifyAlgorithm, k));
    caches.set(backend as DnssecBackend, cache as KeyCache<unknown>);
  }
  return cache.get(algorithm, publicKey);
}

/** Drops every cached key of a back end (for benchmarks that measure importing). */
export function clearKeyCache(backend: DnssecBackend): void {
  caches.get(backend)?.clear();
}
