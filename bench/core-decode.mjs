#!/usr/bin/env node
// Benchmark: decodeMessage + summarizeAnswer of a real root DNSKEY response, beside dns-packet's
// decode of the same bytes in the same run. Needs `npx tsc -b packages/core` first.
// Usage: node bench/core-decode.mjs [iterations=30000]. Prints one JSON line.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import dnsPacket from 'dns-packet';
import { decodeDnskey, decodeMessage, decodeRrsig, parseZoneText, summarizeAnswer, typeName } from '../packages/core/dist/index.js';

const iterations = Number(process.argv[2] ?? 30000);
const zoneFile = new URL('../../shared/real-data/root-zone/root-zone-2023-05-11.zone.gz', import.meta.url);
const zone = parseZoneText(gunzipSync(readFileSync(zoneFile)).toString('utf8'));

// The apex DNSKEY RRset (KSK 20326, ZSK 60955) and its RRSIG, as an authoritative server sends them.
const answers = [];
for (const r of zone.records) {
  if (r.name !== '.') continue;
  if (r.type === 48) {
    const k = decodeDnskey(r.rdata, 0, r.rdata.length);
    answers.push({ type: 'DNSKEY', name: '.', ttl: r.ttl, data: { flags: k.flags, algorithm: k.algorithm, key: Buffer.from(k.publicKey) } });
  } else if (r.type === 46 && r.rdata[1] === 48) {
    const s = decodeRrsig(r.rdata, 0, r.rdata.length);
    answers.push({
      type: 'RRSIG', name: '.', ttl: r.ttl,
      data: {
        typeCovered: typeName(s.typeCovered), algorithm: s.algorithm, labels: s.labels, originalTTL: s.originalTtl,
        expiration: s.expiration, inception: s.inception, keyTag: s.keyTag, signersName: '.', signature: Buffer.from(s.signature),
      },
    });
  }
}
const bytes = new Uint8Array(dnsPacket.encode({
  type: 'response', id: 4242, flags: dnsPacket.AUTHORITATIVE_ANSWER,
  questions: [{ type: 'DNSKEY', name: '.' }], answers,
  additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: dnsPacket.DNSSEC_OK, options: [] }],
}));
const asBuffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);

function run(fn) {
  for (let i = 0; i < Math.min(2000, iterations); i++) fn(); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  const ns = Number(process.hrtime.bigint() - t0);
  return Math.round(iterations / (ns / 1e9));
}

let sink = 0;
const ktoPerSec = run(() => {
  const m = decodeMessage(bytes);
  sink += summarizeAnswer(m, 48).answer.length;
});
const ktoDecodeOnlyPerSec = run(() => {
  sink += decodeMessage(bytes).answer.length;
});
const dnsPacketPerSec = run(() => {
  sink += dnsPacket.decode(asBuffer).answers.length;
});
if (sink === 0) throw new Error('benchmark produced nothing');

console.log(JSON.stringify({
  bench: 'core-decode',
  message: '. DNSKEY response (2 keys + RRSIG, root zone 2023-05-11)',
  bytes: bytes.length,
  iterations,
  kto_decode_summarize_per_s: ktoPerSec,
  kto_decode_only_per_s: ktoDecodeOnlyPerSec,
  dns_packet_decode_per_s: dnsPacketPerSec,
  // decodeMessage alone does what dns-packet's decode does; the summary adds SHA-256 and key tags per key
  ratio_decode_vs_dns_packet: Number((ktoDecodeOnlyPerSec / dnsPacketPerSec).toFixed(2)),
  ratio_decode_summarize_vs_dns_packet: Number((ktoPerSec / dnsPacketPerSec).toFixed(2)),
  node: process.version,
}));
