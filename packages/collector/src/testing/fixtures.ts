// Test fixtures: agent keys (node:crypto Ed25519), signed batches, observations, and observations
// built from real DNS responses (RIPE Atlas results in shared/real-data, summarized by @kto/core).
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeMessage, normalizeName, summarizeAnswer } from '@kto/core';
import { BatchBody, SignedBatch, type kto } from '@kto/proto';

export interface TestKey {
  publicKeyHex: string;
  privateKey: KeyObject;
}

export function newKey(): TestKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const x = publicKey.export({ format: 'jwk' }).x as string;
  return { publicKeyHex: Buffer.from(x, 'base64url').toString('hex'), privateKey };
}

export interface TestAgent extends TestKey {
  agentId: string;
}

/** Encoded SignedBatch of `body`, signed with `signer` (default: the agent's own key). */
export function signedBatch(
  agent: TestAgent, body: kto.v1.BatchBody.$Properties, opts: { signer?: KeyObject; envelopeAgentId?: string } = {},
): Uint8Array {
  const bodyBytes = BatchBody.encode({ agentId: agent.agentId, ...body }).finish();
  const signature = sign(null, bodyBytes, opts.signer ?? agent.privateKey);
  return SignedBatch.encode({ agentId: opts.envelopeAgentId ?? agent.agentId, body: bodyBytes, signature }).finish();
}

/** A valid observation (DNSKEY query for example. via a local resolver) at `sentAtMs`. */
export function observation(sentAtMs: number, overrides: kto.v1.Observation.$Properties = {}): kto.v1.Observation.$Properties {
  return {
    vantage: { kind: 1, address: '127.0.0.53', port: 53, family: 4, transport: 1 },
    zone: 'example.',
    qname: 'example.',
    qtype: 48,
    doBit: true,
    ednsUdpSize: 1232,
    sentAtMs,
    rttUs: 1500,
    status: 1,
    rcode: 0,
    headerFlags: 0x8180,
    raw: new Uint8Array([1, 2, 3, 4]),
    attempts: 1,
    ...overrides,
  };
}

export const repoRoot = resolve(import.meta.dirname, '../../../..');
export const realDataDir = join(repoRoot, '../shared/real-data');

interface AtlasLine {
  af?: number;
  dst_addr?: string;
  proto?: string;
  timestamp: number;
  result?: { abuf?: string; rt?: number };
  resultset?: { result?: { abuf?: string; rt?: number }; dst_addr?: string; af?: number; proto?: string }[];
}

export interface AtlasCase {
  /** The observation as an agent would send it (send time rebased to the test clock). */
  observation: kto.v1.Observation.$Properties;
  /** The decoded response, to compare columns with. */
  message: ReturnType<typeof decodeMessage>;
  timestamp: number;
}

/**
 * Observations from the real RIPE Atlas DNS results (shared/real-data/ripe-atlas): every result with a
 * wire response that decodes and summarizes, with the summary @kto/core computes from the bytes.
 * Send times are rebased to `nowMs - i s` so that the collector accepts them.
 */
export function atlasCases(nowMs: number): AtlasCase[] {
  const text = readFileSync(join(realDataDir, 'ripe-atlas/sagan-test-dns-results.jsonl'), 'utf8');
  const out: AtlasCase[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const r = JSON.parse(line) as AtlasLine;
    const parts = r.resultset ?? [{ result: r.result, dst_addr: r.dst_addr, af: r.af, proto: r.proto }];
    for (const p of parts) {
      const abuf = p.result?.abuf;
      const addr = p.dst_addr ?? r.dst_addr;
      if (abuf === undefined || addr === undefined) continue;
      const raw = new Uint8Array(Buffer.from(abuf, 'base64'));
      let message: ReturnType<typeof decodeMessage>;
      let summary: ReturnType<typeof summarizeAnswer>;
      let qname: string;
      try {
        message = decodeMessage(raw);
        const q = message.question[0];
        if (q === undefined) continue;
        qname = normalizeName(q.name);
        summary = summarizeAnswer(message, q.type);
      } catch {
        continue;
      }
      const q = message.question[0] as { type: number };
      const family = (p.af ?? r.af) === 6 ? 6 : 4;
      out.push({
        timestamp: r.timestamp,
        message,
        observation: {
          vantage: { kind: 2, address: addr, port: 53, family, transport: (p.proto ?? r.proto) === 'TCP' ? 2 : 1 },
          zone: qname,
          qname,
          qtype: q.type,
          doBit: true,
          ednsUdpSize: message.edns?.udpSize ?? 0,
          sentAtMs: nowMs - out.length * 1000,
          rttUs: Math.round((p.result?.rt ?? 0) * 1000),
          status: 1,
          rcode: message.header.rcode,
          headerFlags: message.header.flags,
          ede: message.ede.map((e) => ({ code: e.code, text: e.text })),
          raw,
          answer: summary.answer,
          rrsigs: summary.rrsigs,
          attempts: 1,
        },
      });
    }
  }
  return out;
}
