// ingestBatch(bytes) -> Ack: the one path every batch takes, over HTTP or WebSocket.
// size -> envelope -> agent -> signature -> body -> fields -> seq (duplicate / replay / in flight)
// -> backpressure -> rate -> rows -> batched insert (+ ledger) -> ack.
import { createHash } from 'node:crypto';
import { isKtoError, KtoError } from '@kto/core';
import { AckStatus, type kto } from '@kto/proto';
import type { FastifyBaseLogger } from 'fastify';
import { COLLECTOR_ERROR_STATUS, isCollectorErrorCode, STORE_UNAVAILABLE } from '../errors.js';
import type { BatchOutcome, CollectorMetrics } from '../metrics.js';
import type { InsertOptions, Limits } from '../options.js';
import type { AgentDirectory } from './agent-directory.js';
import type { SeqTracker } from './dedupe.js';
import type { AgentRateLimiter } from './rate-limit.js';
import { batchToRows } from './rows.js';
import { validateBatch } from './validate.js';
import { checkEnvelope, decodeSignedBatch, type DecodedSignedBatch, verifySignedBatch } from './verify.js';
import type { BatchWriter } from './writer.js';

/** An Ack as sent on the wire (kto.v1.Ack fields, camelCase as protobufjs names them). */
export interface AckFields {
  agentId: string;
  seq: number;
  status: kto.v1.AckStatus;
  errorCode: string;
  message: string;
  retryAfterMs: number;
  rows: number;
}

export interface IngestDeps {
  limits: Limits;
  insert: InsertOptions;
  now: () => number;
  agents: AgentDirectory;
  seqs: SeqTracker;
  writer: BatchWriter;
  rate: AgentRateLimiter;
  metrics: CollectorMetrics;
  logger: FastifyBaseLogger;
  /** Fault injection (tests): hold each STORED ack this long after the rows are stored. */
  ackDelayMs?: number;
}

export interface IngestContext {
  /** The agent authenticated on the WebSocket that carried the batch: the envelope must name it. */
  connectionAgentId?: string;
}

/** Codes answered with RETRY (the batch may succeed later); every other code is REJECTED. */
const RETRY_CODES: ReadonlySet<string> = new Set([
  'KTO_ERR_INGEST_RATE_LIMITED', 'KTO_ERR_INGEST_BACKPRESSURE', 'KTO_ERR_INGEST_STORE_UNAVAILABLE',
  'KTO_ERR_INGEST_STORE_FAILED', 'KTO_ERR_INGEST_SHUTTING_DOWN', 'KTO_ERR_INTERNAL',
]);

/** HTTP status for an ack (200 for STORED and DUPLICATE). */
export function ackHttpStatus(ack: AckFields): number {
  if (ack.status === AckStatus.ACK_STATUS_STORED || ack.status === AckStatus.ACK_STATUS_DUPLICATE) return 200;
  return isCollectorErrorCode(ack.errorCode) ? COLLECTOR_ERROR_STATUS[ack.errorCode] : 500;
}

export class Ingestor {
  constructor(private readonly d: IngestDeps) {}

  /**
   * Verifies, deduplicates and stores one batch; resolves with its ack (never rejects). `input` is
   * the encoded SignedBatch, or the envelope already decoded from a WebSocket AgentMessage.
   */
  async ingestBatch(input: Uint8Array | DecodedSignedBatch, ctx: IngestContext = {}): Promise<AckFields> {
    const { limits } = this.d;
    let agentId = '';
    let seq = 0;
    let n = 0;
    try {
      let env: DecodedSignedBatch;
      if (input instanceof Uint8Array) {
        if (input.length > limits.maxBodyBytes) throw tooLarge(input.length, limits.maxBodyBytes);
        env = decodeSignedBatch(input);
      } else {
        checkEnvelope(input);
        env = input;
        if (env.body.length > limits.maxBodyBytes) throw tooLarge(env.body.length, limits.maxBodyBytes);
      }
      agentId = env.agentId;
      if (ctx.connectionAgentId !== undefined && agentId !== ctx.connectionAgentId) {
        throw new KtoError('KTO_ERR_INGEST_AGENT_MISMATCH',
          `batch of agent ${JSON.stringify(agentId.slice(0, 64))} on the connection of agent ${ctx.connectionAgentId}`);
      }
      const { agent, body, bodyBytes } = await verifySignedBatch(env, this.d.agents);
      seq = Number.isSafeInteger(body.seq) ? body.seq : 0;
      n = body.observations.length;
      const now = this.d.now();
      validateBatch(body, limits, now);
      const hash = createHash('sha256').update(bodyBytes).digest('hex');

      // Sequence: wait for an identical key in flight, then classify against the ledger.
      for (;;) {
        const running = this.d.seqs.inFlight(agentId, seq);
        if (running !== undefined) {
          if (!(await this.within(running))) return this.notYetStored(agentId, seq, n);
          continue;
        }
        const verdict = await this.d.seqs.classify(agentId, seq, hash, n);
        if (this.d.seqs.inFlight(agentId, seq) !== undefined) continue; // it started while we asked
        if (verdict.kind === 'duplicate') {
          return this.finish('duplicate', n, {
            agentId, seq, status: AckStatus.ACK_STATUS_DUPLICATE, errorCode: '',
            message: 'stored before; nothing added', retryAfterMs: 0, rows: verdict.entry.rows,
          });
        }
        if (verdict.kind === 'replayed') {
          throw new KtoError('KTO_ERR_INGEST_SEQ_REPLAYED',
            `seq ${seq} of agent ${agentId} was stored before with different content`);
        }
        break;
      }
      // From here to track() nothing awaits: no other batch with this key can get in between.
      const pending = this.d.writer.pendingRows;
      if (pending > 0 && pending + n > limits.maxPendingRows) {
        return this.retry(agentId, seq, n, 'KTO_ERR_INGEST_BACKPRESSURE',
          `${pending} rows wait for storage (limit ${limits.maxPendingRows})`, this.backpressureDelay());
      }
      const wait = this.d.rate.take(agentId, n, now);
      if (wait > 0) {
        return this.retry(agentId, seq, n, 'KTO_ERR_INGEST_RATE_LIMITED',
          `over ${limits.agentRatePerS} observations/s (burst ${limits.agentBurst})`, wait);
      }
      const loc = body.location;
      const declared = loc != null && loc.country != null && loc.country !== '';
      const rows = batchToRows(body.observations, {
        agentId,
        seq,
        receivedAtMs: now,
        country: declared ? (loc.country as string) : agent.record.country,
        continent: declared ? (loc.continent ?? '') : agent.record.continent,
        asn: declared ? (loc.asn ?? 0) : agent.record.asn,
      });
      const stored = this.d.writer.submit(rows, {
        agent_id: agentId, seq, rows: n, body_sha256: hash, created_at_ms: body.createdAtMs,
      });
      this.d.seqs.track(agentId, seq, stored);
      if (!(await this.within(stored))) return this.notYetStored(agentId, seq, n);
      if (this.d.ackDelayMs !== undefined && this.d.ackDelayMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, this.d.ackDelayMs));
      }
      return this.finish('stored', n, {
        agentId, seq, status: AckStatus.ACK_STATUS_STORED, errorCode: '', message: '', retryAfterMs: 0, rows: n,
      });
    } catch (err) {
      return this.fromError(err, agentId, seq, n);
    }
  }

  /** True when `p` settles (resolves) within the ack timeout; rethrows its rejection. */
  private async within(p: Promise<unknown>): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(resolve, this.d.limits.ackTimeoutMs, false);
    });
    try {
      return await Promise.race([p.then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private notYetStored(agentId: string, seq: number, n: number): AckFields {
    return this.retry(agentId, seq, n, 'KTO_ERR_INGEST_STORE_UNAVAILABLE',
      `not stored within ${this.d.limits.ackTimeoutMs} ms; the rows stay queued, resend later`, this.d.insert.retryMaxMs);
  }

  private backpressureDelay(): number {
    // A flush interval or two, spread so that agents do not come back all at once.
    return Math.round(this.d.insert.maxDelayMs * (1 + Math.random()));
  }

  private retry(agentId: string, seq: number, n: number, code: string, message: string, retryAfterMs: number): AckFields {
    return this.finish('retry', n, {
      agentId, seq, status: AckStatus.ACK_STATUS_RETRY, errorCode: code, message, retryAfterMs: Math.min(retryAfterMs, 0xffffffff), rows: 0,
    });
  }

  private fromError(err: unknown, agentId: string, seq: number, n: number): AckFields {
    if (isKtoError(err) && isCollectorErrorCode(err.code)) {
      if (RETRY_CODES.has(err.code)) {
        const after = err.code === 'KTO_ERR_INGEST_SHUTTING_DOWN' ? this.d.insert.maxDelayMs : this.d.insert.retryMaxMs;
        this.d.logger.warn({ agentId, seq, code: err.code }, err.message);
        return this.retry(agentId, seq, n, err.code, err.message, after);
      }
      this.d.logger.info({ agentId, seq, code: err.code }, `batch rejected: ${err.message}`);
      return this.finish('rejected', n, {
        agentId, seq, status: AckStatus.ACK_STATUS_REJECTED, errorCode: err.code, message: err.message, retryAfterMs: 0, rows: 0,
      });
    }
    if (isKtoError(err, STORE_UNAVAILABLE)) {
      this.d.logger.warn({ agentId, seq, err }, 'store unavailable while checking a batch');
      return this.retry(agentId, seq, n, 'KTO_ERR_INGEST_STORE_UNAVAILABLE', 'storage is unavailable; resend later', this.d.insert.retryMaxMs);
    }
    // A bug or an unexpected store failure: keep the data on the agent (RETRY), say nothing specific.
    this.d.logger.error({ agentId, seq, err }, 'unexpected error while ingesting a batch');
    return this.retry(agentId, seq, n, 'KTO_ERR_INTERNAL', 'internal error', this.d.insert.retryMaxMs);
  }

  private finish(outcome: BatchOutcome, n: number, ack: AckFields): AckFields {
    this.d.metrics.batch(outcome, ack.errorCode, n);
    return ack;
  }
}

function tooLarge(size: number, max: number): KtoError {
  return new KtoError('KTO_ERR_INGEST_TOO_LARGE', `${size} bytes, more than the limit of ${max}`);
}
