// GET /v1/ingest/ws and the registry of open agent sessions: zone pushes, revocations, heartbeat.
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import type { RouteOptions } from '../context.js';
import type { CollectorMetrics } from '../metrics.js';
import type { ZoneAssignmentState } from '../zones/assignment.js';
import { AgentSession, CLOSE_AUTH, type SessionDeps } from './ws-session.js';

export class WsHub {
  private readonly sessions = new Set<AgentSession>();
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(private readonly metrics: CollectorMetrics, private readonly logger: FastifyBaseLogger) {}

  get size(): number {
    return this.sessions.size;
  }

  add(s: AgentSession): void {
    this.sessions.add(s);
    this.metrics.wsConnections.set(this.sessions.size);
  }

  remove(s: AgentSession): void {
    if (this.sessions.delete(s)) this.metrics.wsConnections.set(this.sessions.size);
  }

  /** Pushes a new zone assignment to every authenticated session. */
  pushZones(state: ZoneAssignmentState): void {
    for (const s of this.sessions) s.pushZones(state);
  }

  /** Ends every session of an agent with an ErrorMessage and close code 4401. */
  closeAgent(agentId: string, code: string, message: string): void {
    for (const s of this.sessions) if (s.agentId === agentId) s.fail(code, message, CLOSE_AUTH);
  }

  /** Ends every session with an ErrorMessage (shutdown). */
  closeAll(code: string, message: string, closeCode: number): void {
    for (const s of this.sessions) s.fail(code, message, closeCode);
  }

  /** Pings every session each interval; a session that did not answer the previous ping is dropped. */
  startHeartbeat(intervalMs: number): void {
    if (intervalMs <= 0 || this.heartbeat !== null) return;
    this.heartbeat = setInterval(() => {
      for (const s of this.sessions) {
        if (!s.alive) {
          this.logger.info({ agentId: s.agentId }, 'websocket peer stopped answering pings; dropping it');
          s.socket.terminate();
          continue;
        }
        s.alive = false;
        s.socket.ping();
      }
    }, intervalMs);
    this.heartbeat.unref();
  }

  stopHeartbeat(): void {
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }
}

export const wsIngestRoutes: FastifyPluginAsync<RouteOptions> = async (app, { ctx }) => {
  const base: Omit<SessionDeps, 'logger'> = {
    limits: ctx.limits,
    now: ctx.now,
    agents: ctx.agents,
    seqs: ctx.seqs,
    ingestor: ctx.ingestor,
    currentZones: () => ctx.zones.current,
    onAuthenticated: () => undefined,
    onClosed: (s) => ctx.hub.remove(s),
  };
  app.get('/v1/ingest/ws', {
    websocket: true,
    schema: {
      summary: 'Agent channel (WebSocket, binary kto.v1.AgentMessage / CollectorMessage frames)',
      description: 'Hello -> Welcome, then SignedBatch -> Ack. Close codes: 4401 authentication, 4400 bad message.',
      tags: ['ingest'],
    },
  }, (socket, req) => {
    const session = new AgentSession(socket, { ...base, logger: req.log });
    ctx.hub.add(session);
  });
};
