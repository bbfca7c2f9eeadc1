#!/usr/bin/env node
// Benchmark: RRSIG verifications per second per algorithm through verifyRrsigWith (signed data,
// key cache lookup, window check, signature), node:crypto back end vs the browser-safe @noble/curves
// + BigInt RSA back end, in one run. Keys are imported once (cached), as in real use; `node_uncached`
// re-imports the DNSKEY on every verification to show what the cache saves. One generated key per
// algorithm (RSA: 2048 bits, e = 65537), one 2-record A RRset. Needs `npx tsc -b packages/core` first.
// Usage: node bench/core-verify.mjs [seconds per measurement = 0.7]. Prints one JSON line; ~20 s.
import {
  clearKeyCache, nobleBackend, parseZoneText, verifyRrsigWith,
} from '../packages/core/dist/index.js';
import { generateDnssecKey, nodeBackend, signRrset } from '../packages/core/dist/node.js';

const seconds = Number(process.argv[2] ?? 0.7);
const NOW = 1_700_000_000;
const rrset = parseZoneText('www.example. 3600 IN A 192.0.2.1\nwww.example. 3600 IN A 192.0.2.2').records;

/** Calls fn in batches until `seconds` have passed; returns calls per second. */
function rate(fn) {
  for (let i = 0; i < 20; i++) fn(); // warm-up
  let calls = 0;
  let batch = 1;
  const t0 = process.hrtime.bigint();
  const limit = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  while (elapsed < limit) {
    for (let i = 0; i < batch; i++) fn();
    calls += batch;
    elapsed = process.hrtime.bigint() - t0;
    if (batch < 256) batch *= 2;
  }
  return Math.round(calls / (Number(elapsed) / 1e9));
}

const results = {};
for (const algorithm of [8, 10, 13, 14, 15, 16]) {
  const key = generateDnssecKey({ algorithm, rsaBits: 2048 });
  const rrsig = signRrset({
    rrset, signer: 'example.', key: key.privateKey, keyTag: key.keyTag, algorithm,
    inception: NOW - 3600, expiration: NOW + 86400, originalTtl: 3600,
  });
  const input = { rrsig, rrset, dnskey: key.dnskey, keyOwner: 'example.', now: NOW };
  let failures = 0;
  const check = (backend) => () => {
    if (verifyRrsigWith(backend, input).status !== 'valid') failures++;
  };
  results[algorithm] = {
    node: rate(check(nodeBackend)),
    noble: rate(check(nobleBackend)),
    node_uncached: rate(() => {
      clearKeyCache(nodeBackend);
      check(nodeBackend)();
    }),
  };
  if (failures !== 0) throw new Error(`algorithm ${algorithm}: ${failures} verifications were not valid`);
  results[algorithm].node_vs_noble = Number((results[algorithm].node / results[algorithm].noble).toFixed(1));
}

console.log(JSON.stringify({
  bench: 'core-verify',
  unit: 'RRSIG verifications per second (one core)',
  rrset: 'www.example. A x2; RSA keys 2048 bits',
  seconds_per_measurement: seconds,
  per_algorithm: results,
  node: process.version,
}));
