// Authenticity of a batch: decode the envelope, find the agent, check its state and the Ed25519
// signature over the exact body bytes received, then decode the body and bind it to the envelope.
import { verify as cryptoVerify } from 'node:crypto';
import { KtoError } from '@kto/core';
import { BatchBody, helloSigningInput, SignedBatch, type kto } from '@kto/proto';
import type { AgentDirectory, KnownAgent } from './agent-directory.js';

export type DecodedBatchBody = kto.v1.BatchBody;
export type DecodedSignedBatch = kto.v1.SignedBatch;

export interface VerifiedBatch {
  agent: KnownAgent;
  body: DecodedBatchBody;
  /** The signed bytes, as received (hashed for the ledger). */
  bodyBytes: Uint8Array;
}

/** Decodes SignedBatch bytes. Throws KTO_ERR_INGEST_BAD_PROTOBUF. */
export function decodeSignedBatch(bytes: Uint8Array): DecodedSignedBatch {
  let env: DecodedSignedBatch;
  try {
    env = SignedBatch.decode(bytes);
  } catch (err) {
    throw new KtoError('KTO_ERR_INGEST_BAD_PROTOBUF', `not a SignedBatch: ${(err as Error).message}`);
  }
  checkEnvelope(env);
  return env;
}

/** The fields a SignedBatch must carry. Throws KTO_ERR_INGEST_BAD_PROTOBUF. */
export function checkEnvelope(env: DecodedSignedBatch): void {
  if (env.agentId === '' || env.body.length === 0) {
    throw new KtoError('KTO_ERR_INGEST_BAD_PROTOBUF', 'not a SignedBatch: agent_id and body are required');
  }
}

/**
 * Authenticates a WebSocket Hello: enrolled, not revoked, time within the skew limit, signature over
 * helloSigningInput(agent_id, time_ms). Throws KTO_ERR_INGEST_* codes like verifySignedBatch.
 */
export async function verifyHello(
  hello: kto.v1.Hello.$Properties, agents: AgentDirectory, nowMs: number, clockSkewMs: number,
): Promise<KnownAgent> {
  const agentId = hello.agentId ?? '';
  const timeMs = hello.timeMs ?? 0;
  const signature = hello.signature ?? new Uint8Array(0);
  if (agentId === '') throw new KtoError('KTO_ERR_INGEST_BAD_MESSAGE', 'Hello without agent_id');
  const agent = await agents.get(agentId);
  if (agent === null) throw new KtoError('KTO_ERR_INGEST_UNKNOWN_AGENT', `no enrolled agent ${JSON.stringify(agentId.slice(0, 64))}`);
  if (agent.record.revoked !== 0) throw new KtoError('KTO_ERR_INGEST_AGENT_REVOKED', `agent ${agentId} is revoked`);
  if (Math.abs(timeMs - nowMs) > clockSkewMs) {
    throw new KtoError('KTO_ERR_INGEST_CLOCK_SKEW',
      `Hello time_ms ${timeMs} is ${timeMs - nowMs} ms from the collector clock ${nowMs} (limit ${clockSkewMs} ms)`);
  }
  if (signature.length !== 64 || !cryptoVerify(null, helloSigningInput(agentId, timeMs), agent.key, signature)) {
    throw new KtoError('KTO_ERR_INGEST_BAD_SIGNATURE', `the Hello signature does not verify with the key of agent ${agentId}`);
  }
  return agent;
}

/**
 * Checks the envelope against the agent directory and the signature, then decodes the body.
 * Throws KTO_ERR_INGEST_UNKNOWN_AGENT, _AGENT_REVOKED, _BAD_SIGNATURE, _BAD_BODY or _AGENT_MISMATCH;
 * a store failure while looking the agent up is rethrown as is (the caller answers RETRY).
 */
export async function verifySignedBatch(env: DecodedSignedBatch, agents: AgentDirectory): Promise<VerifiedBatch> {
  const agent = await agents.get(env.agentId);
  if (agent === null) {
    throw new KtoError('KTO_ERR_INGEST_UNKNOWN_AGENT', `no enrolled agent ${JSON.stringify(env.agentId.slice(0, 64))}`);
  }
  if (agent.record.revoked !== 0) {
    throw new KtoError('KTO_ERR_INGEST_AGENT_REVOKED', `agent ${env.agentId} is revoked`);
  }
  if (env.signature.length !== 64 || !cryptoVerify(null, env.body, agent.key, env.signature)) {
    throw new KtoError('KTO_ERR_INGEST_BAD_SIGNATURE', `the batch signature does not verify with the key of agent ${env.agentId}`);
  }
  let body: DecodedBatchBody;
  try {
    body = BatchBody.decode(env.body);
  } catch (err) {
    throw new KtoError('KTO_ERR_INGEST_BAD_BODY', `the signed body is not a BatchBody: ${(err as Error).message}`);
  }
  if (body.agentId !== env.agentId) {
    throw new KtoError('KTO_ERR_INGEST_AGENT_MISMATCH',
      `body agent_id ${JSON.stringify(body.agentId.slice(0, 64))} differs from the envelope's ${env.agentId}`);
  }
  return { agent, body, bodyBytes: env.body };
}
