// Test-only: the RRSIG checks recorded in /work/shared/real-data (";   check: ..." comments, each
// the result of an independent implementation, dnspython 2.8) paired with the records they talk
// about, so tests compare KTO's verdicts with those recorded results instead of invented ones.

import { decodeRrsig } from '../src/rdata.js';
import type { RrsigRdata } from '../src/rdata.js';
import { typeFromName } from '../src/types.js';
import { parseZoneText } from '../src/zone-text.js';
import type { ZoneRecord } from '../src/zone-text.js';
import { readRealText } from './real-data.js';

/** One recorded check and what it is about. */
export interface RecordedCheck {
  /** "<file>: <check line>" for test messages. */
  label: string;
  /** The recorded result: "valid" / "VALID", "INVALID: ...", "no-covered-rrset", "no-matching-dnskey". */
  result: string;
  /** Validation time, seconds since the epoch: the recorded one, else inception + 1 h (as the source did). */
  at: number;
  keyTag: number;
  /** The RRSIG record the check is about. */
  rrsig: ZoneRecord;
  sig: RrsigRdata;
  /** Records of the covered RRset in the same chunk (entry / block); empty when there are none. */
  rrset: ZoneRecord[];
  /** Every DNSKEY in the file owned by the RRSIG's signer (duplicates removed). */
  dnskeys: ZoneRecord[];
}

/** YYYYMMDDhhmmss or an ISO 8601 time ("2018-10-12T00:00Z") as seconds since the epoch. */
export function parseTime(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  const ms = m !== null
    ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]))
    : Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`test helper: not a time: ${text}`);
  return ms / 1000;
}

const CHECK = /check: RRSIG (\S+)(?: (\S*\.))?(?: alg (\d+))? tag (\d+)(?: signer (\S+))?(?: window (\d{14})-(\d{14}))?(?: at (\S+))? -> (.*)$/;

interface Chunk {
  text: string;
  checks: string[];
}

/**
 * Splits a file into chunks with their check lines: "entry" mode starts a chunk at each
 * ";; entry N:" line (deckard files: checks follow the records of their entry); "check" mode ends a
 * chunk at each check line and at each ";; ---- source" line (the chain files: records, then the
 * check about them; a source section's unchecked records do not leak into the next one).
 */
function chunks(text: string, mode: 'entry' | 'check'): Chunk[] {
  const out: Chunk[] = [];
  let lines: string[] = [];
  let checks: string[] = [];
  const flush = () => {
    if (checks.length > 0) out.push({ text: lines.join('\n'), checks });
    lines = [];
    checks = [];
  };
  for (const line of text.split('\n')) {
    if (line.startsWith(mode === 'entry' ? ';; entry ' : ';; ---- ')) {
      flush();
      lines = [];
    }
    if (CHECK.test(line) && line.startsWith(';')) {
      checks.push(line);
      if (mode === 'check') flush();
    } else {
      lines.push(line);
    }
  }
  flush();
  return out;
}

function dedupe(records: ZoneRecord[]): ZoneRecord[] {
  const seen = new Set<string>();
  return records.filter((r) => {
    const k = `${r.name}|${r.type}|${Buffer.from(r.rdata).toString('hex')}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const checkCache = new Map<string, RecordedCheck[]>();

/** The recorded checks of a real-data file, each with its RRSIG, RRset and the signer's DNSKEYs (cached per file). */
export function recordedChecks(rel: string, mode: 'entry' | 'check'): RecordedCheck[] {
  let checks = checkCache.get(rel);
  if (checks === undefined) {
    checks = readChecks(rel, mode);
    checkCache.set(rel, checks);
  }
  return checks;
}

function readChecks(rel: string, mode: 'entry' | 'check'): RecordedCheck[] {
  const text = readRealText(rel);
  const all = parseZoneText(text).records;
  const out: RecordedCheck[] = [];
  for (const chunk of chunks(text, mode)) {
    const records = parseZoneText(chunk.text).records;
    for (const line of chunk.checks) {
      const m = CHECK.exec(line) as RegExpExecArray;
      const type = typeFromName(m[1] as string);
      const owner = m[2];
      const keyTag = Number(m[4]);
      const matches = records.filter((r) => {
        if (r.type !== 46) return false;
        const s = decodeRrsig(r.rdata, 0, r.rdata.length);
        return s.typeCovered === type && s.keyTag === keyTag && (owner === undefined || r.name === owner.toLowerCase())
          && (m[3] === undefined || s.algorithm === Number(m[3]))
          && (m[6] === undefined || (s.inception === parseTime(m[6]) && s.expiration === parseTime(m[7] as string)));
      });
      if (matches.length !== 1) throw new Error(`test helper: ${rel}: ${matches.length} RRSIGs fit "${line}"`);
      const rrsig = matches[0] as ZoneRecord;
      const sig = decodeRrsig(rrsig.rdata, 0, rrsig.rdata.length);
      const rrset = dedupe(records.filter((r) => r.name === rrsig.name && r.type === type && r.klass === rrsig.klass));
      const dnskeys = dedupe(all.filter((r) => r.type === 48 && r.name === sig.signer));
      out.push({
        label: `${rel}: ${line.replace(/^;\s*/, '')}`,
        result: (m[9] as string).trim(),
        at: m[8] !== undefined ? parseTime(m[8]) : sig.inception + 3600,
        keyTag, rrsig, sig, rrset, dnskeys,
      });
    }
  }
  return out;
}

/** Every RRSIG of a zone with its RRset (same owner, class, covered type) and the DNSKEYs at its signer. */
export interface ZoneSignature {
  rrsig: ZoneRecord;
  sig: RrsigRdata;
  rrset: ZoneRecord[];
  dnskeys: ZoneRecord[];
}

export function zoneSignatures(records: readonly ZoneRecord[]): ZoneSignature[] {
  const sets = new Map<string, ZoneRecord[]>();
  const keys = new Map<string, ZoneRecord[]>();
  for (const r of records) {
    if (r.type === 46) continue;
    const k = `${r.name}|${r.type}|${r.klass}`;
    const list = sets.get(k);
    if (list === undefined) sets.set(k, [r]);
    else list.push(r);
    if (r.type === 48) keys.set(r.name, [...(keys.get(r.name) ?? []), r]);
  }
  const out: ZoneSignature[] = [];
  for (const r of records) {
    if (r.type !== 46) continue;
    const sig = decodeRrsig(r.rdata, 0, r.rdata.length);
    out.push({ rrsig: r, sig, rrset: sets.get(`${r.name}|${sig.typeCovered}|${r.klass}`) ?? [], dnskeys: keys.get(sig.signer) ?? [] });
  }
  return out;
}

/** `count` items spread evenly over `items` (deterministic sample). */
export function spread<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  const out: T[] = [];
  for (let i = 0; i < count; i++) out.push(items[Math.floor((i * items.length) / count)] as T);
  return out;
}
