// One agent WebSocket: Hello -> Welcome (or ErrorMessage + close 4401/4400), then batches -> acks
// (in completion order). Binary frames only. A malformed frame gets an ErrorMessage and the
// connection closes; nothing an agent sends can throw out of here.
import { isKtoError } from '@kto/core';
import { AgentMessage, CollectorMessage, type kto } from '@kto/proto';
import type { FastifyBaseLogger } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { STORE_UNAVAILABLE } from '../errors.js';
import type { Limits } from '../options.js';
import type { ZoneAssignmentState } from '../zones/assignment.js';
import type { AgentDirectory } from './agent-directory.js';
import type { SeqTracker } from './dedupe.js';
import type { Ingestor } from './ingest.js';
import { verifyHello } from './verify.js';

/** Close codes: 4401 authentication failed, 4400 bad message; 1013 try again later (store down), 1001 shutdown. */
export const CLOSE_AUTH = 4401;
export const CLOSE_BAD_MESSAGE = 4400;
export const CLOSE_TRY_LATER = 1013;
export const CLOSE_GOING_AWAY = 1001;

const AUTH_CODES: ReadonlySet<string> = new Set([
  'KTO_ERR_INGEST_UNKNOWN_AGENT', 'KTO_ERR_INGEST_AGENT_REVOKED', 'KTO_ERR_INGEST_BAD_SIGNATURE',
  'KTO_ERR_INGEST_CLOCK_SKEW', 'KTO_ERR_INGEST_HELLO_REQUIRED',
]);

export interface SessionDeps {
  limits: Limits;
  now: () => number;
  agents: AgentDirectory;
  seqs: SeqTracker;
  ingestor: Ingestor;
  currentZones: () => ZoneAssignmentState;
  logger: FastifyBaseLogger;
  onAuthenticated: (s: AgentSession) => void;
  onClosed: (s: AgentSession) => void;
}

export function zonesMessage(state: ZoneAssignmentState): kto.v1.ZoneAssignment.$Properties {
  return {
    version: state.version,
    zones: state.zones.map((z) => ({ name: z.zone, intervalS: z.interval_s, qtypes: z.qtypes, queryAuthoritatives: z.query_authoritatives })),
  };
}

export class AgentSession {
  agentId: string | null = null;
  alive = true;
  private state: 'hello' | 'verifying' | 'ready' | 'closed' = 'hello';
  private inFlight = 0;
  private paused = false;
  /** Messages that arrived while the Hello was being verified. */
  private readonly early: kto.v1.AgentMessage[] = [];
  private readonly helloTimer: NodeJS.Timeout;

  constructor(readonly socket: WebSocket, private readonly d: SessionDeps) {
    this.helloTimer = setTimeout(() => {
      if (this.state === 'hello' || this.state === 'verifying') {
        this.fail('KTO_ERR_INGEST_HELLO_TIMEOUT', `no Hello within ${d.limits.helloTimeoutMs} ms`, CLOSE_BAD_MESSAGE);
      }
    }, d.limits.helloTimeoutMs);
    socket.on('message', (data: RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    socket.on('pong', () => {
      this.alive = true;
    });
    socket.on('error', (err: Error) => this.d.logger.debug({ err, agentId: this.agentId }, 'websocket error'));
    socket.on('close', () => {
      this.state = 'closed';
      clearTimeout(this.helloTimer);
      this.d.onClosed(this);
    });
  }

  /** Sends the current zone assignment (after a change). */
  pushZones(state: ZoneAssignmentState): void {
    if (this.state === 'ready') this.send({ zones: zonesMessage(state) });
  }

  /** Ends the session with an ErrorMessage (e.g. on revocation). */
  fail(code: string, message: string, closeCode: number): void {
    if (this.state === 'closed') return;
    this.send({ error: { code, message } });
    this.state = 'closed';
    clearTimeout(this.helloTimer);
    this.socket.close(closeCode, code.slice(0, 120));
    this.socket.resume(); // a paused socket would never read the peer's close frame
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.state === 'closed') return;
    if (!isBinary) {
      this.fail('KTO_ERR_INGEST_BAD_MESSAGE', 'text frames are not part of the protocol; send binary AgentMessage frames', CLOSE_BAD_MESSAGE);
      return;
    }
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    let msg: kto.v1.AgentMessage;
    try {
      msg = AgentMessage.decode(bytes);
    } catch (err) {
      this.fail('KTO_ERR_INGEST_BAD_PROTOBUF', `not an AgentMessage: ${(err as Error).message}`, CLOSE_BAD_MESSAGE);
      return;
    }
    if (this.state === 'hello') {
      if (msg.hello != null) this.hello(msg.hello);
      else if (msg.batch != null) this.fail('KTO_ERR_INGEST_HELLO_REQUIRED', 'send a Hello before any batch', CLOSE_AUTH);
      else this.fail('KTO_ERR_INGEST_BAD_MESSAGE', 'empty AgentMessage', CLOSE_BAD_MESSAGE);
      return;
    }
    if (this.state === 'verifying') {
      // sent right behind the Hello (no need to wait for the Welcome): handled once the Hello is
      if (this.early.length >= this.d.limits.wsMaxInFlight) {
        this.fail('KTO_ERR_INGEST_BAD_MESSAGE', 'too many messages before the Welcome', CLOSE_BAD_MESSAGE);
        return;
      }
      this.early.push(msg);
      return;
    }
    this.afterHello(msg);
  }

  private afterHello(msg: kto.v1.AgentMessage): void {
    if (msg.hello != null) {
      this.fail('KTO_ERR_INGEST_BAD_MESSAGE', 'one Hello per connection, then batches', CLOSE_BAD_MESSAGE);
    } else if (msg.batch == null) {
      this.fail('KTO_ERR_INGEST_BAD_MESSAGE', 'empty AgentMessage', CLOSE_BAD_MESSAGE);
    } else {
      this.batch(msg.batch as kto.v1.SignedBatch);
    }
  }

  private hello(hello: kto.v1.Hello.$Properties): void {
    this.state = 'verifying';
    this.socket.pause();
    verifyHello(hello, this.d.agents, this.d.now(), this.d.limits.clockSkewMs).then((agent) => {
      if (this.state !== 'verifying') return;
      clearTimeout(this.helloTimer);
      this.state = 'ready';
      this.agentId = agent.record.agent_id;
      this.send({
        welcome: {
          serverTimeMs: this.d.now(),
          lastStoredSeq: this.d.seqs.lastStored(agent.record.agent_id),
          zones: zonesMessage(this.d.currentZones()),
        },
      });
      this.d.onAuthenticated(this);
      for (const m of this.early.splice(0)) {
        if (this.state !== 'ready') break;
        this.afterHello(m);
      }
      if (this.state === 'ready' && !this.paused) this.socket.resume();
    }, (err: unknown) => {
      this.early.length = 0;
      if (isKtoError(err) && AUTH_CODES.has(err.code)) this.fail(err.code, err.message, CLOSE_AUTH);
      else if (isKtoError(err, 'KTO_ERR_INGEST_BAD_MESSAGE')) this.fail(err.code, err.message, CLOSE_BAD_MESSAGE);
      else {
        const storeDown = isKtoError(err, STORE_UNAVAILABLE);
        if (!storeDown) this.d.logger.error({ err }, 'hello verification failed unexpectedly');
        this.fail(storeDown ? 'KTO_ERR_INGEST_STORE_UNAVAILABLE' : 'KTO_ERR_INTERNAL',
          storeDown ? 'storage is unavailable; reconnect later' : 'internal error', CLOSE_TRY_LATER);
      }
    });
  }

  private batch(env: kto.v1.SignedBatch): void {
    this.inFlight++;
    if (this.inFlight >= this.d.limits.wsMaxInFlight && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    void this.d.ingestor.ingestBatch(env, { connectionAgentId: this.agentId as string }).then((ack) => {
      this.inFlight--;
      this.send({ ack });
      if (this.paused && this.inFlight < this.d.limits.wsMaxInFlight) {
        this.paused = false;
        if (this.state === 'ready') this.socket.resume();
      }
    });
  }

  private send(msg: kto.v1.CollectorMessage.$Properties): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(CollectorMessage.encode(msg).finish(), { binary: true }, (err?: Error) => {
      if (err !== undefined) this.d.logger.debug({ err, agentId: this.agentId }, 'websocket send failed');
    });
  }
}
