// Pieces of synthetic observation rows shared by the store benches (store-read-year, collector-refold):
// real DNS answers as raw bytes, the empty per-type columns, and one RRSIG's columns.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const DAY_S = 86_400;

/** Real DNS answers (RIPE Atlas, shared/real-data beside the repo) of 200-500 bytes, for the rows' raw bytes. */
export function atlasAnswers(repo) {
  const out = [];
  for (const line of readFileSync(join(repo, '../shared/real-data/ripe-atlas/sagan-test-dns-results.jsonl'), 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const o = JSON.parse(line);
    for (const r of o.resultset ? o.resultset.map((x) => x.result) : [o.result]) {
      if (!r?.abuf) continue;
      const raw = new Uint8Array(Buffer.from(r.abuf, 'base64'));
      if (raw.length >= 200 && raw.length <= 500) out.push(raw);
    }
  }
  return out;
}

/** The DNSKEY, DS and RRSIG columns of an answer without them (NODATA), and no SOA serial. */
export const NO_RECORDS = Object.freeze({
  dnskey_flags: [], dnskey_protocols: [], dnskey_algorithms: [], dnskey_key_tags: [], dnskey_key_hashes: [], dnskey_key_bits: [],
  ds_key_tags: [], ds_algorithms: [], ds_digest_types: [], ds_digests: [],
  rrsig_type_covered: [], rrsig_algorithms: [], rrsig_labels: [], rrsig_original_ttls: [], rrsig_inceptions: [], rrsig_expirations: [],
  rrsig_key_tags: [], rrsig_signers: [], rrsig_ttls: [], rrsig_checks: [], soa_serial: 0,
});

/**
 * The RRSIG columns of one ECDSA P-256 signature over `covered` by key `tag`: made an hour before
 * `inceptionMs`, valid 14 days; a DS RRSIG is the parent's ("bench.").
 */
export function rrsigColumns(zone, covered, tag, ttl, inceptionMs, { labels = 2, check = 'unchecked' } = {}) {
  const inc = Math.floor(inceptionMs / 1000) - 3600;
  return {
    rrsig_type_covered: [covered], rrsig_algorithms: [13], rrsig_labels: [labels], rrsig_original_ttls: [ttl], rrsig_inceptions: [inc],
    rrsig_expirations: [inc + 14 * DAY_S], rrsig_key_tags: [tag], rrsig_signers: [covered === 43 ? 'bench.' : zone], rrsig_ttls: [ttl], rrsig_checks: [check],
  };
}
