// A fake KTO collector for agent tests, written from the protocol text: enrolment, WebSocket
// ingest (Hello/Welcome, acks, zone pushes), HTTP POST ingest and GET /v1/zones. It checks every
// Ed25519 signature with node:crypto (an implementation independent of the agent's @noble/curves).
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  Ack, AckStatus, AgentMessage, BatchBody, CollectorMessage, SignedBatch, helloSigningInput, type IAck, type IZoneAssignment,
} from '@kto/proto';
import { WebSocketServer, type WebSocket } from 'ws';

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export type IngestChannel = 'ws' | 'http';

export interface ReceivedBatch {
  readonly channel: IngestChannel;
  readonly agentId: string;
  readonly seq: number;
  readonly body: ReturnType<typeof BatchBody.decode>;
  readonly bodyBytes: Uint8Array;
  readonly signature: Uint8Array;
  /** node:crypto Ed25519 verification of the signature over the body bytes. */
  readonly signatureValid: boolean;
}

export type AckDecision = Pick<IAck, 'status' | 'errorCode' | 'message' | 'retryAfterMs'>;

export interface FakeCollectorOptions {
  /** Decides each batch's ack; default STORED (DUPLICATE when the seq was stored before). */
  readonly ack?: (batch: ReceivedBatch, storedBefore: boolean) => AckDecision | 'no-ack';
  readonly zones?: IZoneAssignment;
  readonly tokens?: readonly string[];
}

interface Agent {
  readonly key: KeyObject;
  readonly publicKeyHex: string;
}

export function agentIdOf(publicKey: Uint8Array): string {
  return `a${createHash('sha256').update(publicKey).digest('hex').slice(0, 20)}`;
}

export class FakeCollector {
  readonly batches: ReceivedBatch[] = [];
  readonly hellos: { agentId: string; timeMs: number; valid: boolean }[] = [];
  readonly enrolments: Record<string, unknown>[] = [];
  /** Times (Date.now) of the WebSocket upgrade requests seen, accepted or refused. */
  readonly upgradeTimes: number[] = [];
  /** GET /v1/zones requests seen. */
  zonePolls = 0;
  /** When false, WebSocket upgrades are answered with HTTP 503. */
  wsEnabled = true;
  zones: IZoneAssignment;
  readonly stored = new Set<string>();
  readonly #agents = new Map<string, Agent>();
  readonly #tokens: Set<string>;
  readonly #ack: NonNullable<FakeCollectorOptions['ack']>;
  readonly #server: Server;
  readonly #wss: WebSocketServer;
  readonly #sockets = new Set<WebSocket>();
  url = '';

  private constructor(o: FakeCollectorOptions) {
    this.#ack = o.ack ?? ((_, before) => ({ status: before ? AckStatus.ACK_STATUS_DUPLICATE : AckStatus.ACK_STATUS_STORED }));
    this.zones = o.zones ?? { version: 1, zones: [] };
    this.#tokens = new Set(o.tokens ?? ['good-token']);
    this.#server = createServer((req, res) => void this.#http(req, res));
    this.#wss = new WebSocketServer({ noServer: true });
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.upgradeTimes.push(Date.now());
      if (!this.wsEnabled || req.url !== '/v1/ingest/ws') {
        socket.end('HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
        return;
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onWs(ws));
    });
  }

  static async start(o: FakeCollectorOptions = {}): Promise<FakeCollector> {
    const c = new FakeCollector(o);
    await new Promise<void>((resolve) => c.#server.listen(0, '127.0.0.1', resolve));
    c.url = `http://127.0.0.1:${(c.#server.address() as { port: number }).port}`;
    return c;
  }

  /** Registers a key as if enrolled; returns the agent id. */
  register(publicKey: Uint8Array): string {
    const id = agentIdOf(publicKey);
    this.#agents.set(id, {
      key: createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' }),
      publicKeyHex: Buffer.from(publicKey).toString('hex'),
    });
    return id;
  }

  /** Replaces the zone list and pushes it to every connected agent. */
  pushZones(zones: IZoneAssignment): void {
    this.zones = zones;
    const bytes = CollectorMessage.encode({ zones }).finish();
    for (const ws of this.#sockets) ws.send(bytes);
  }

  /** Drops every WebSocket connection (as a crashing collector would). */
  dropConnections(): void {
    for (const ws of this.#sockets) ws.terminate();
  }

  get connections(): number {
    return this.#sockets.size;
  }

  async close(): Promise<void> {
    for (const ws of this.#sockets) ws.terminate();
    this.#wss.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #decide(batch: ReceivedBatch): AckDecision | 'no-ack' {
    const key = `${batch.agentId}/${batch.seq}`;
    const before = this.stored.has(key);
    if (!batch.signatureValid) return { status: AckStatus.ACK_STATUS_REJECTED, errorCode: 'KTO_ERR_INGEST_BAD_SIGNATURE' };
    const d = this.#ack(batch, before);
    if (d !== 'no-ack' && (d.status === AckStatus.ACK_STATUS_STORED || d.status === AckStatus.ACK_STATUS_DUPLICATE)) this.stored.add(key);
    return d;
  }

  #receive(bytes: Uint8Array, channel: IngestChannel): ReceivedBatch {
    const signed = SignedBatch.decode(bytes);
    const body = BatchBody.decode(signed.body);
    const agent = this.#agents.get(signed.agentId);
    const valid = agent !== undefined && signed.signature.length === 64
      && verify(null, signed.body, agent.key, signed.signature) && body.agentId === signed.agentId;
    const batch: ReceivedBatch = {
      channel, agentId: signed.agentId, seq: body.seq, body, bodyBytes: signed.body, signature: signed.signature, signatureValid: valid,
    };
    this.batches.push(batch);
    return batch;
  }

  #onWs(ws: WebSocket): void {
    let agentId: string | undefined;
    ws.on('message', (data: Buffer) => {
      const msg = AgentMessage.decode(data);
      if (agentId === undefined) {
        const h = msg.hello;
        const id = h?.agentId ?? '';
        const timeMs = Number(h?.timeMs ?? 0);
        const agent = this.#agents.get(id);
        const valid = h != null && agent !== undefined && h.signature != null
          && verify(null, helloSigningInput(id, timeMs), agent.key, h.signature);
        if (h != null) this.hellos.push({ agentId: id, timeMs, valid });
        if (!valid) {
          ws.send(CollectorMessage.encode({ error: { code: 'KTO_ERR_INGEST_UNKNOWN_AGENT', message: 'bad hello' } }).finish());
          ws.close(4401, 'auth');
          return;
        }
        agentId = id;
        this.#sockets.add(ws);
        let last = 0;
        for (const k of this.stored) if (k.startsWith(`${agentId}/`)) last = Math.max(last, Number(k.split('/')[1]));
        ws.send(CollectorMessage.encode({ welcome: { serverTimeMs: Date.now(), lastStoredSeq: last, zones: this.zones } }).finish());
        return;
      }
      if (msg.batch == null) return;
      const batch = this.#receive(SignedBatch.encode(msg.batch).finish(), 'ws');
      const d = this.#decide(batch);
      if (d === 'no-ack') return;
      ws.send(CollectorMessage.encode({ ack: { agentId, seq: batch.seq, ...d } }).finish());
    });
    ws.on('close', () => this.#sockets.delete(ws));
  }

  async #http(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    if (req.method === 'GET' && req.url === '/v1/zones') {
      this.zonePolls++;
      json(res, 200, {
        version: this.zones.version ?? 0,
        zones: (this.zones.zones ?? []).map((z) => ({
          zone: z.name, interval_s: z.intervalS ?? 0, qtypes: z.qtypes ?? [], query_authoritatives: z.queryAuthoritatives ?? false,
        })),
      });
      return;
    }
    if (req.method === 'POST' && req.url === '/v1/agents/enroll') {
      const j = JSON.parse(body.toString()) as Record<string, unknown>;
      this.enrolments.push(j);
      if (!this.#tokens.has(String(j.token))) {
        json(res, 401, { statusCode: 401, code: 'KTO_ERR_AUTH_BAD_TOKEN', error: 'Unauthorized', message: 'unknown enrolment token' });
        return;
      }
      const pub = Buffer.from(String(j.public_key), 'hex');
      const known = this.#agents.has(agentIdOf(pub));
      const id = this.register(pub);
      json(res, known ? 200 : 201, { agent_id: id, server_time_ms: Date.now() });
      return;
    }
    if (req.method === 'POST' && req.url === '/v1/ingest') {
      const batch = this.#receive(body, 'http');
      const d = this.#decide(batch);
      if (d === 'no-ack') {
        res.destroy();
        return;
      }
      const ack = Ack.encode({ agentId: batch.agentId, seq: batch.seq, ...d }).finish();
      const status = d.status === AckStatus.ACK_STATUS_REJECTED ? 400 : d.status === AckStatus.ACK_STATUS_RETRY ? 503 : 200;
      const headers: Record<string, string> = { 'content-type': 'application/x-protobuf' };
      if (status === 503) headers['retry-after'] = String(Math.ceil((d.retryAfterMs ?? 1000) / 1000));
      res.writeHead(status, headers).end(ack);
      return;
    }
    json(res, 404, { statusCode: 404, code: 'KTO_ERR_NOT_FOUND', error: 'Not Found', message: `${req.method} ${req.url}` });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
