// Everything the routes of one collector instance share, created once by build().
import type { onRequestAsyncHookHandler } from 'fastify';
import type { Enrolment } from './enrolment.js';
import type { AgentDirectory } from './ingest/agent-directory.js';
import type { SeqTracker } from './ingest/dedupe.js';
import type { Ingestor } from './ingest/ingest.js';
import type { WsHub } from './ingest/ws.js';
import type { BatchWriter } from './ingest/writer.js';
import type { CollectorMetrics } from './metrics.js';
import type { InsertOptions, Limits } from './options.js';
import type { Store } from './storage/types.js';
import type { ZoneAssignment } from './zones/assignment.js';

export interface CollectorContext {
  readonly store: Store;
  readonly limits: Limits;
  readonly insert: InsertOptions;
  readonly now: () => number;
  readonly version: string;
  readonly metrics: CollectorMetrics;
  readonly agents: AgentDirectory;
  readonly seqs: SeqTracker;
  readonly writer: BatchWriter;
  readonly ingestor: Ingestor;
  readonly zones: ZoneAssignment;
  readonly hub: WsHub;
  readonly enrolment: Enrolment;
  /** onRequest hook of admin routes. */
  readonly requireAdmin: onRequestAsyncHookHandler;
}

export interface RouteOptions {
  ctx: CollectorContext;
}
