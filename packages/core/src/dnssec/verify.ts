// RRSIG verification (RFC 4035 §5.3): does this DNSKEY, owned by this zone, validate this RRSIG over
// this RRset (at this time)? And, for a DNSKEY set, which key validates each RRSIG? The crypto is a
// DnssecBackend's; this file decides which checks apply and in what order:
//
//   1. key identity (RFC 4035 §5.3.1): signer name = DNSKEY owner, same algorithm, key tag of the
//      DNSKEY = RRSIG key tag, protocol 3 (RFC 4034 §2.1.2), Zone Key flag set (RFC 4034 §2.1.1),
//      and no REVOKE flag unless the RRSIG covers the DNSKEY RRset (RFC 5011 §3)  -> 'key-mismatch'
//   2. the RRSIG fits the RRset: labels <= owner labels, owner at or below the signer -> 'invalid'
//   3. the algorithm is one the back end verifies                       -> 'unsupported-algorithm'
//   4. when `now` is given, inception <= now <= expiration (RFC 1982)   -> 'not-yet-valid' / 'expired'
//   5. the signature over signedData() (RFC 4034 §3.1.8.1)              -> 'valid' / 'invalid'
//
// Inputs that are not what the API asks for (an RRset whose type is not the RRSIG's type covered,
// an empty RRset, undecodable RDATA) throw a KtoError; data that merely fails a DNSSEC rule gets a
// status, so that an analyzer can record it. That the RRset's records share owner and class is
// checked where the signed data is built (step 5; signedData throws KTO_ERR_CORE_BAD_ARGUMENT).

import type { RrInput } from '../canonical.js';
import { signedData } from '../canonical.js';
import { KtoError } from '../errors.js';
import { keyTag, keyTagAt } from '../keytag.js';
import { isSubdomain, labelCount, normalizeName } from '../names.js';
import { decodeDnskey, decodeRrsig, encodeRrsig } from '../rdata.js';
import type { DnskeyRdata, RrsigRdata } from '../rdata.js';
import { fixedSignatureLength, isRsaAlgorithm, isVerifyAlgorithm } from './algorithms.js';
import { importedKey } from './backend.js';
import type { DnssecBackend } from './backend.js';
import { rsaModulusOctets } from './rsa-key.js';
import { rrsigWindowStatus } from './validity.js';

export type RrsigStatus = 'valid' | 'invalid' | 'expired' | 'not-yet-valid' | 'unsupported-algorithm' | 'key-mismatch';

export interface RrsigVerdict {
  readonly status: RrsigStatus;
  /** Why, for every status but 'valid'. */
  readonly reason?: string;
}

export interface VerifyRrsigInput {
  /** The RRSIG: decoded (with its signature), or its RDATA in wire form. */
  rrsig: RrsigRdata | Uint8Array;
  /** The records of the covered RRset (same owner, class and type; RDATA uncompressed). */
  rrset: readonly RrInput[];
  /** The DNSKEY: decoded, or its RDATA in wire form. */
  dnskey: DnskeyRdata | Uint8Array;
  /** Owner name of the DNSKEY, i.e. the zone whose key it is; must equal the RRSIG signer name. */
  keyOwner: string;
  /** Seconds since the epoch; when given, the RRSIG validity window is checked. */
  now?: number;
}

export interface FindRrsigSignersInput {
  /** The records of the covered RRset. */
  rrset: readonly RrInput[];
  /** RRSIGs over that RRset (decoded or RDATA); each must cover the RRset's type. */
  rrsigs: readonly (RrsigRdata | Uint8Array)[];
  /** The DNSKEY RRset of the signer (decoded or RDATA). */
  dnskeys: readonly (DnskeyRdata | Uint8Array)[];
  /** Owner name of the DNSKEY RRset. */
  keyOwner: string;
  now?: number;
}

/** The result for one RRSIG of findRrsigSigners, in the order of `rrsigs`. */
export interface RrsigSigner {
  readonly status: RrsigStatus;
  /** Index in `dnskeys` of the key that validates the RRSIG when status is 'valid', else null. */
  readonly key: number | null;
  /** Keys of the set with the RRSIG's algorithm and key tag; every one of them was tried. */
  readonly candidates: number;
  readonly reason?: string;
}

const VALID: RrsigVerdict = Object.freeze({ status: 'valid' });
const EMPTY = new Uint8Array(0);
const FLAG_ZONE = 0x0100;
const FLAG_REVOKE = 0x0080;
const TYPE_DNSKEY = 48;

function verdict(status: RrsigStatus, reason: string): RrsigVerdict {
  return { status, reason };
}

/** An RRSIG ready to be checked against several keys: decoded, its RDATA, and the signed octets once computed. */
interface PreparedRrsig {
  sig: RrsigRdata;
  rdata: Uint8Array;
  data: Uint8Array | null;
}

interface PreparedKey {
  key: DnskeyRdata;
  tag: number;
}

function prepareRrsig(rrsig: RrsigRdata | Uint8Array, what: string): PreparedRrsig {
  if (rrsig instanceof Uint8Array) return { sig: decodeRrsig(rrsig, 0, rrsig.length), rdata: rrsig, data: null };
  if (rrsig === null || typeof rrsig !== 'object' || !(rrsig.signature instanceof Uint8Array) || typeof rrsig.signer !== 'string') {
    throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT', `${what} must be RRSIG RDATA (Uint8Array) or a decoded RRSIG with signer and signature`);
  }
  const sig = { ...rrsig, signer: normalizeName(rrsig.signer) };
  return { sig, rdata: encodeRrsig({ ...sig, signature: EMPTY }), data: null };
}

function prepareKey(dnskey: DnskeyRdata | Uint8Array, what: string): PreparedKey {
  if (dnskey instanceof Uint8Array) return { key: decodeDnskey(dnskey, 0, dnskey.length), tag: keyTagAt(dnskey, 0, dnskey.length) };
  if (dnskey === null || typeof dnskey !== 'object' || !(dnskey.publicKey instanceof Uint8Array)) {
    throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT', `${what} must be DNSKEY RDATA (Uint8Array) or a decoded DNSKEY`);
  }
  return { key: dnskey, tag: keyTag(dnskey) };
}

function checkRrset(rrset: readonly RrInput[], typeCovered: number): RrInput {
  if (!Array.isArray(rrset)) throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT', 'rrset must be an array of records');
  const first = rrset[0] as RrInput | undefined;
  if (first === undefined) throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT', 'rrset is empty');
  if (first.type !== typeCovered) {
    throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT', `the RRSIG covers type ${typeCovered} but the RRset has type ${first.type}`);
  }
  return first;
}

function checkNow(now: number | undefined): void {
  if (now !== undefined && (!Number.isSafeInteger(now) || now < 0)) {
    throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT', `now must be a non-negative integer of seconds, got ${String(now)}`);
  }
}

/** Step 1: does the key claim to be the RRSIG's key, and may it sign this RRset? null when it may. */
function keyIdentity(sig: RrsigRdata, k: PreparedKey, keyOwner: string): RrsigVerdict | null {
  if (sig.signer !== keyOwner) return verdict('key-mismatch', `RRSIG signer ${sig.signer} is not the DNSKEY owner ${keyOwner}`);
  const key = k.key;
  if (sig.algorithm !== key.algorithm) {
    return verdict('key-mismatch', `RRSIG algorithm ${sig.algorithm} differs from DNSKEY algorithm ${key.algorithm}`);
  }
  if (sig.keyTag !== k.tag) return verdict('key-mismatch', `RRSIG key tag ${sig.keyTag} differs from the DNSKEY's key tag ${k.tag}`);
  if (key.protocol !== 3) return verdict('key-mismatch', `DNSKEY protocol ${key.protocol} is not 3 (RFC 4034 §2.1.2)`);
  if ((key.flags & FLAG_ZONE) === 0) return verdict('key-mismatch', `DNSKEY flags ${key.flags} lack the Zone Key bit (RFC 4034 §2.1.1)`);
  if ((key.flags & FLAG_REVOKE) !== 0 && sig.typeCovered !== TYPE_DNSKEY) {
    return verdict('key-mismatch', `DNSKEY ${k.tag} is revoked and may only sign the DNSKEY RRset (RFC 5011 §3)`);
  }
  return null;
}

/** Step 2: key-independent rules about the RRSIG and its RRset. */
function rrsigFitsRrset(sig: RrsigRdata, owner: string): RrsigVerdict | null {
  const labels = labelCount(owner);
  if (sig.labels > labels) {
    return verdict('invalid', `RRSIG labels ${sig.labels} exceed the ${labels} labels of ${owner} (RFC 4035 §5.3.1)`);
  }
  if (!isSubdomain(owner, sig.signer)) {
    return verdict('invalid', `signer ${sig.signer} is not ${owner} or an ancestor of it (RFC 4035 §5.3.1)`);
  }
  return null;
}

/** Steps 3-5 for a key that passed step 1. */
function checkSignature(backend: DnssecBackend, p: PreparedRrsig, key: DnskeyRdata, rrset: readonly RrInput[], now: number | undefined): RrsigVerdict {
  const sig = p.sig;
  const algorithm = sig.algorithm;
  if (!isVerifyAlgorithm(algorithm) || !backend.supports(algorithm)) {
    return verdict('unsupported-algorithm', `algorithm ${algorithm} is not verified by the ${backend.name} back end`);
  }
  if (now !== undefined) {
    const w = rrsigWindowStatus(sig.inception, sig.expiration, now);
    if (w !== 'in-window') {
      return verdict(w, `time ${now} is outside the window ${sig.inception}..${sig.expiration} (RFC 4034 §3.1.5)`);
    }
  }
  let handle: unknown;
  try {
    handle = importedKey(backend, algorithm, key.publicKey);
  } catch (err) {
    return verdict('invalid', `the DNSKEY public key does not decode: ${(err as Error).message}`);
  }
  const expected = isRsaAlgorithm(algorithm) ? rsaModulusOctets(key.publicKey) : fixedSignatureLength(algorithm);
  if (sig.signature.length !== expected) {
    return verdict('invalid', `signature of ${sig.signature.length} octets, the key needs ${expected}`);
  }
  if (p.data === null) p.data = signedData(p.rdata, rrset);
  return backend.verify(algorithm, handle, p.data, sig.signature) ? VALID : verdict('invalid', 'the signature does not verify');
}

/** verifyRrsig with an explicit back end. */
export function verifyRrsigWith(backend: DnssecBackend, input: VerifyRrsigInput): RrsigVerdict {
  if (input === null || typeof input !== 'object') throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT', 'verifyRrsig needs an input object');
  const p = prepareRrsig(input.rrsig, 'rrsig');
  const k = prepareKey(input.dnskey, 'dnskey');
  const keyOwner = normalizeName(input.keyOwner);
  checkNow(input.now);
  const first = checkRrset(input.rrset, p.sig.typeCovered);
  return keyIdentity(p.sig, k, keyOwner) ?? rrsigFitsRrset(p.sig, first.name) ?? checkSignature(backend, p, k.key, input.rrset, input.now);
}

// Order in which failures are reported when no candidate key validates an RRSIG: the most specific first.
const RANK: Record<RrsigStatus, number> = {
  valid: 0, expired: 1, 'not-yet-valid': 1, invalid: 2, 'unsupported-algorithm': 3, 'key-mismatch': 4,
};

/** findRrsigSigners with an explicit back end. */
export function findRrsigSignersWith(backend: DnssecBackend, input: FindRrsigSignersInput): RrsigSigner[] {
  if (input === null || typeof input !== 'object') throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT', 'findRrsigSigners needs an input object');
  if (!Array.isArray(input.rrsigs)) throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT', 'rrsigs must be an array');
  if (!Array.isArray(input.dnskeys)) throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT', 'dnskeys must be an array');
  const keyOwner = normalizeName(input.keyOwner);
  checkNow(input.now);
  const keys = input.dnskeys.map((d, i) => prepareKey(d, `dnskeys[${i}]`));
  const out: RrsigSigner[] = [];
  for (let i = 0; i < input.rrsigs.length; i++) {
    const p = prepareRrsig(input.rrsigs[i] as RrsigRdata | Uint8Array, `rrsigs[${i}]`);
    const first = checkRrset(input.rrset, p.sig.typeCovered);
    const sig = p.sig;
    let candidates = 0;
    let best: RrsigVerdict | null = null;
    let found: number | null = null;
    const fit = rrsigFitsRrset(sig, first.name);
    for (let j = 0; j < keys.length; j++) {
      const k = keys[j] as PreparedKey;
      if (k.tag !== sig.keyTag || k.key.algorithm !== sig.algorithm) continue;
      candidates++;
      if (found !== null) continue;
      const v = keyIdentity(sig, k, keyOwner) ?? fit ?? checkSignature(backend, p, k.key, input.rrset, input.now);
      if (v.status === 'valid') found = j;
      else if (best === null || RANK[v.status] < RANK[best.status]) best = v;
    }
    if (found !== null) {
      out.push({ status: 'valid', key: found, candidates });
    } else if (best === null) {
      out.push({
        status: 'key-mismatch', key: null, candidates,
        reason: `no DNSKEY at ${keyOwner} has key tag ${sig.keyTag} and algorithm ${sig.algorithm}`,
      });
    } else {
      out.push(best.reason === undefined ? { status: best.status, key: null, candidates } : { status: best.status, key: null, candidates, reason: best.reason });
    }
  }
  return out;
}
