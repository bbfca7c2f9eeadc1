// The parsed summary of an answer that travels beside the raw response (ARCHITECTURE.md §2).
// Shapes are structurally those of kto.v1.Record / kto.v1.Rrsig (packages/proto), so an agent can
// hand them to the protobuf encoder as they are; core does not import @kto/proto.

import { sha256 } from '@noble/hashes/sha2.js';
import { KtoError, isKtoError } from './errors.js';
import { keyTagAt } from './keytag.js';
import { publicKeyBits } from './key-bits.js';
import type { DnsMessage, DnsRecord } from './message.js';
import { decodeCsync, decodeDnskey, decodeDs, decodeNs, decodeRrsig, decodeSoa } from './rdata.js';
import type { SoaRdata } from './rdata.js';

/** kto.v1.DnskeyData */
export interface DnskeySummary {
  flags: number;
  protocol: number;
  algorithm: number;
  keyTag: number;
  /** First 8 octets of SHA-256 over the public key field. */
  keyHash: Uint8Array;
  /** Public key size in bits where known (RSA modulus, curve size), else 0. */
  keyBits: number;
}

/** kto.v1.DsData */
export interface DsSummary {
  keyTag: number;
  algorithm: number;
  digestType: number;
  digest: Uint8Array;
}

/** kto.v1.SoaData */
export type SoaSummary = SoaRdata;

/** kto.v1.NsData */
export interface NsSummary {
  host: string;
}

/** kto.v1.CsyncData */
export interface CsyncSummary {
  serial: number;
  flags: number;
  types: number[];
}

/** kto.v1.Record: common fields, plus the one typed part that fits the record's type. */
export interface RecordSummary {
  name: string;
  type: number;
  /** As served (a cache's remaining TTL). */
  ttl: number;
  dnskey?: DnskeySummary;
  ds?: DsSummary;
  soa?: SoaSummary;
  ns?: NsSummary;
  csync?: CsyncSummary;
}

/** kto.v1.Rrsig without the agent's own `check`. */
export interface RrsigSummary {
  name: string;
  ttl: number;
  typeCovered: number;
  algorithm: number;
  labels: number;
  originalTtl: number;
  expiration: number;
  inception: number;
  keyTag: number;
  signer: string;
}

export interface AnswerSummary {
  /** Answer-section records other than RRSIG, in message order. */
  answer: RecordSummary[];
  /** Every answer-section RRSIG, whatever it covers, in message order. */
  rrsigs: RrsigSummary[];
  /** Minimum TTL of the answer records of `qtype` as served (any type for ANY); 0 when none. */
  answerTtl: number;
  /** Serial of the first SOA in the answer section; 0 when there is none. */
  soaSerial: number;
}

/**
 * Summarizes the answer section of a decoded message for an observation. Throws
 * KTO_ERR_CORE_MALFORMED_RDATA (naming the record) when a record of a summarized type does not
 * decode; the raw response is still the truth, so callers keep it either way.
 */
export function summarizeAnswer(msg: DnsMessage, qtype: number): AnswerSummary {
  const bytes = msg.bytes;
  const rrs = msg.answer;
  const answer: RecordSummary[] = [];
  const rrsigs: RrsigSummary[] = [];
  let answerTtl = -1;
  let soaSerial = 0;
  let haveSoa = false;
  for (let i = 0; i < rrs.length; i++) {
    const rr = rrs[i] as DnsRecord;
    try {
      if (rr.type === 46) {
        const s = decodeRrsig(bytes, rr.rdataOffset, rr.rdataLength);
        rrsigs.push({
          name: rr.name, ttl: rr.ttl, typeCovered: s.typeCovered, algorithm: s.algorithm, labels: s.labels,
          originalTtl: s.originalTtl, expiration: s.expiration, inception: s.inception, keyTag: s.keyTag,
          signer: s.signer,
        });
        continue;
      }
      const rec: RecordSummary = { name: rr.name, type: rr.type, ttl: rr.ttl };
      switch (rr.type) {
        case 48: // DNSKEY
        case 60: { // CDNSKEY
          const k = decodeDnskey(bytes, rr.rdataOffset, rr.rdataLength, rr.type === 48 ? 'DNSKEY' : 'CDNSKEY');
          rec.dnskey = {
            flags: k.flags, protocol: k.protocol, algorithm: k.algorithm,
            keyTag: keyTagAt(bytes, rr.rdataOffset, rr.rdataLength),
            keyHash: sha256(k.publicKey).slice(0, 8),
            keyBits: publicKeyBits(k.algorithm, k.publicKey),
          };
          break;
        }
        case 43: // DS
        case 59: { // CDS
          const d = decodeDs(bytes, rr.rdataOffset, rr.rdataLength, rr.type === 43 ? 'DS' : 'CDS');
          // a copy: the summary outlives the message buffer and must be a plain Uint8Array
          rec.ds = { keyTag: d.keyTag, algorithm: d.algorithm, digestType: d.digestType, digest: new Uint8Array(d.digest) };
          break;
        }
        case 6: {
          const soa = decodeSoa(bytes, rr.rdataOffset, rr.rdataLength);
          rec.soa = soa;
          if (!haveSoa) {
            soaSerial = soa.serial;
            haveSoa = true;
          }
          break;
        }
        case 2:
          rec.ns = decodeNs(bytes, rr.rdataOffset, rr.rdataLength);
          break;
        case 62:
          rec.csync = decodeCsync(bytes, rr.rdataOffset, rr.rdataLength);
          break;
        default:
          break;
      }
      answer.push(rec);
      if (rr.type === qtype || qtype === 255) {
        if (answerTtl < 0 || rr.ttl < answerTtl) answerTtl = rr.ttl;
      }
    } catch (err) {
      if (isKtoError(err, 'KTO_ERR_CORE_MALFORMED_RDATA')) {
        throw new KtoError('KTO_ERR_CORE_MALFORMED_RDATA', `answer ${i} (${rr.name} type ${rr.type}): ${err.message}`,
          { section: 'answer', index: i }, { cause: err });
      }
      throw err;
    }
  }
  return { answer, rrsigs, answerTtl: answerTtl < 0 ? 0 : answerTtl, soaSerial };
}
