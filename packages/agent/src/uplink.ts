// The uplink: sends spooled batches to the collector and applies its acks (protocol: WebSocket
// `/v1/ingest/ws` with Hello/Welcome, a window of batches in flight, acks by seq in any order).
// When the WebSocket cannot be established `wsFailuresBeforeHttp` times in a row it falls back to
// HTTP POST /v1/ingest (undici keep-alive pool) and polls GET /v1/zones, while it keeps trying the
// WebSocket with exponential backoff and jitter (cap 60 s). Acks: STORED/DUPLICATE delete the
// batch, REJECTED moves it to spool/rejected/, RETRY resends it after retry_after_ms.
import { KtoError } from '@kto/core';
import {
  Ack, AckStatus, AgentMessage, CollectorMessage, helloSigningInput, type IAck, type IZoneAssignment,
} from '@kto/proto';
import { Agent as HttpAgent, request } from 'undici';
import WebSocket from 'ws';
import type { Identity } from './identity.js';
import type { Logger } from './log.js';
import type { AgentMetrics } from './metrics.js';
import type { Spool } from './spool.js';
import { zonesFromAssignment, zonesFromJson, type ZoneList } from './zone-assignment.js';

export type UplinkChannel = 'ws' | 'http';

export interface UplinkOptions {
  readonly collector: string;
  readonly agentId: string;
  readonly agentVersion: string;
  readonly identity: Identity;
  readonly spool: Spool;
  /** Batches sent and not yet acknowledged, at most (default 16). */
  readonly window?: number;
  readonly log: Logger;
  readonly metrics?: AgentMetrics;
  /** The collector's zone list changed (Welcome, pushed ZoneAssignment, or polled /v1/zones). */
  readonly onZones: (zones: ZoneList) => void;
  /** Welcome told the highest seq stored for this agent. */
  readonly onLastStoredSeq?: (seq: number) => void;
  /** A batch was acknowledged as stored (STORED or DUPLICATE). */
  readonly onStored?: (seq: number) => void;
  readonly random?: () => number;
  readonly now?: () => number;
  readonly backoffBaseMs?: number;
  readonly backoffCapMs?: number;
  readonly wsFailuresBeforeHttp?: number;
  /** Time allowed for the WebSocket handshake and the Welcome (default 10 s). */
  readonly helloTimeoutMs?: number;
  /** A batch sent over the WebSocket and not acked in this time means the connection is dead (default 60 s). */
  readonly ackTimeoutMs?: number;
  /** GET /v1/zones period in HTTP mode (default 60 s). */
  readonly zonesPollMs?: number;
  /** Resend delay after a RETRY that names no retry_after_ms (default 1 s). */
  readonly defaultRetryMs?: number;
}

interface InFlight {
  readonly channel: UplinkChannel;
  readonly sentAt: number;
  readonly ws: WebSocket | undefined;
}

const STATUS_LABEL = {
  [AckStatus.ACK_STATUS_STORED]: 'stored',
  [AckStatus.ACK_STATUS_DUPLICATE]: 'duplicate',
  [AckStatus.ACK_STATUS_REJECTED]: 'rejected',
  [AckStatus.ACK_STATUS_RETRY]: 'retry',
} as const;

/**
 * AgentMessage{batch} around already-encoded SignedBatch bytes (tag: field 2, wire type 2; then the
 * varint length): what AgentMessage.encode would produce, without decoding and re-encoding the batch.
 */
export function wrapBatch(signedBatch: Uint8Array): Uint8Array {
  let n = signedBatch.length;
  let lenBytes = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    lenBytes++;
  }
  const out = new Uint8Array(1 + lenBytes + signedBatch.length);
  out[0] = 0x12;
  let v = signedBatch.length;
  let i = 1;
  while (v >= 0x80) {
    out[i++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  out[i++] = v;
  out.set(signedBatch, i);
  return out;
}

export class Uplink {
  readonly #o: UplinkOptions;
  readonly #log: Logger;
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #window: number;
  readonly #wsUrl: string;
  readonly #http: HttpAgent;

  #started = false;
  #stopped = false;
  #ws: WebSocket | undefined;
  #wsReady = false;
  #wsFailures = 0;
  #backoffAttempt = 0;
  #httpMode = false;
  #httpFailures = 0;
  #zonesVersion = -1;
  #lastAcked = 0;

  readonly #inFlight = new Map<number, InFlight>();
  readonly #delayed = new Map<number, number>();
  readonly #ops = new Set<Promise<void>>();
  #sendChain: Promise<void> = Promise.resolve();
  #reconnectTimer: NodeJS.Timeout | undefined;
  #delayTimer: NodeJS.Timeout | undefined;
  #delayTimerAt = Infinity;
  #watchdog: NodeJS.Timeout | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #closeWaiters: (() => void)[] = [];

  constructor(options: UplinkOptions) {
    this.#o = options;
    this.#log = options.log;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
    this.#window = options.window ?? 16;
    const base = new URL(`${options.collector.replace(/\/+$/, '')}/v1/ingest/ws`);
    base.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
    this.#wsUrl = base.href;
    this.#http = new HttpAgent({
      keepAliveTimeout: 30_000, connections: this.#window,
      headersTimeout: this.#o.ackTimeoutMs ?? 60_000, bodyTimeout: this.#o.ackTimeoutMs ?? 60_000,
    });
  }

  /** 'ws' once welcomed, 'http' in fallback mode, 'down' otherwise. */
  get channel(): UplinkChannel | 'down' {
    return this.#wsReady ? 'ws' : this.#httpMode ? 'http' : 'down';
  }

  /** Highest seq acknowledged STORED or DUPLICATE by this uplink. */
  get lastAckedSeq(): number {
    return this.#lastAcked;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  start(): void {
    if (this.#started) throw new KtoError('KTO_ERR_AGENT_LIFECYCLE', 'uplink already started');
    this.#started = true;
    this.#connect();
  }

  /** A new batch is in the spool. */
  notify(): void {
    this.#pump();
  }

  /** The spool dropped these batches: stop waiting for them. */
  forget(seqs: readonly number[]): void {
    for (const s of seqs) {
      this.#inFlight.delete(s);
      this.#delayed.delete(s);
    }
  }

  /** Closes the WebSocket (code 1000) and the HTTP pool, after pending spool updates finish. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#reconnectTimer);
    clearTimeout(this.#delayTimer);
    clearInterval(this.#watchdog);
    clearInterval(this.#pollTimer);
    const ws = this.#ws;
    if (ws !== undefined) {
      const closed = new Promise<void>((resolve) => this.#closeWaiters.push(resolve));
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000, 'agent stopping');
      const t = setTimeout(() => ws.terminate(), 2000);
      await closed;
      clearTimeout(t);
    }
    // Give answers already on their way a moment; a batch whose ack is lost stays spooled and is resent.
    let grace: NodeJS.Timeout | undefined;
    const closing = this.#http.close().catch(() => undefined);
    const timedOut = await Promise.race([
      closing.then(() => false),
      new Promise<boolean>((resolve) => { grace = setTimeout(resolve, 2000, true); }),
    ]);
    clearTimeout(grace);
    if (timedOut) await this.#http.destroy().catch(() => undefined);
    await this.#sendChain;
    await Promise.allSettled([...this.#ops]);
  }

  // ---- WebSocket ----

  #connect(): void {
    if (this.#stopped) return;
    this.#o.metrics?.uplinkConnects.labels('attempt').inc();
    const ws = new WebSocket(this.#wsUrl, {
      perMessageDeflate: false, handshakeTimeout: this.#o.helloTimeoutMs ?? 10_000, maxPayload: 16 * 1024 * 1024,
    });
    this.#ws = ws;
    this.#wsReady = false;
    const helloTimer = setTimeout(() => {
      if (this.#ws === ws && !this.#wsReady) {
        this.#log.warn({ url: this.#wsUrl }, 'no Welcome in time: closing the WebSocket');
        ws.terminate();
      }
    }, this.#o.helloTimeoutMs ?? 10_000);
    ws.on('open', () => {
      const timeMs = this.#now();
      const hello = AgentMessage.encode({
        hello: {
          agentId: this.#o.agentId, timeMs, signature: this.#o.identity.sign(helloSigningInput(this.#o.agentId, timeMs)),
          agentVersion: this.#o.agentVersion, zonesVersion: Math.max(0, this.#zonesVersion),
        },
      }).finish();
      ws.send(hello);
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => this.#onMessage(ws, data, isBinary));
    ws.on('error', (err) => this.#log.debug({ err: err.message, url: this.#wsUrl }, 'WebSocket error'));
    ws.on('close', (code: number, reason: Buffer) => {
      clearTimeout(helloTimer);
      this.#onClose(ws, code, reason.toString());
    });
  }

  #onMessage(ws: WebSocket, data: Buffer, isBinary: boolean): void {
    if (this.#ws !== ws) return;
    if (!isBinary) {
      this.#log.warn('text frame from the collector ignored (the protocol uses binary frames)');
      return;
    }
    let msg: ReturnType<typeof CollectorMessage.decode>;
    try {
      msg = CollectorMessage.decode(data);
    } catch (err) {
      this.#log.warn({ err: (err as Error).message, code: 'KTO_ERR_AGENT_BAD_RESPONSE' }, 'undecodable message from the collector: reconnecting');
      ws.close(4400, 'bad message');
      return;
    }
    switch (msg.msg) {
      case 'welcome': {
        if (this.#wsReady) break;
        const w = msg.welcome!;
        this.#wsReady = true;
        this.#wsFailures = 0;
        this.#backoffAttempt = 0;
        this.#o.metrics?.uplinkConnects.labels('welcomed').inc();
        this.#o.metrics?.uplinkConnected.labels('ws').set(1);
        const skewMs = this.#now() - Number(w.serverTimeMs ?? 0);
        this.#log.info({ url: this.#wsUrl, lastStoredSeq: Number(w.lastStoredSeq ?? 0), skewMs }, 'connected to the collector');
        if (Math.abs(skewMs) > 60_000) this.#log.warn({ skewMs }, 'local clock differs from the collector by over a minute');
        if (this.#httpMode) this.#leaveHttpMode();
        this.#o.onLastStoredSeq?.(Number(w.lastStoredSeq ?? 0));
        if (w.zones != null) this.#applyZones(zonesFromAssignment(w.zones));
        this.#startWatchdog(ws);
        this.#pump();
        break;
      }
      case 'ack':
        this.#onAck(msg.ack!, 'ws');
        break;
      case 'zones':
        this.#applyZones(zonesFromAssignment(msg.zones as IZoneAssignment));
        break;
      case 'error': {
        const e = msg.error!;
        const refused = !this.#wsReady;
        this.#log[refused ? 'error' : 'warn']({
          code: refused ? 'KTO_ERR_AGENT_HELLO_REFUSED' : 'KTO_ERR_AGENT_BAD_RESPONSE', collectorCode: e.code, message: e.message,
        }, refused ? 'the collector refused the Hello' : 'the collector reported an error');
        break;
      }
      default:
        this.#log.debug('empty message from the collector ignored');
    }
  }

  #onClose(ws: WebSocket, code: number, reason: string): void {
    if (this.#ws !== ws) return;
    const wasReady = this.#wsReady;
    this.#ws = undefined;
    this.#wsReady = false;
    clearInterval(this.#watchdog);
    this.#watchdog = undefined;
    for (const [seq, f] of this.#inFlight) if (f.ws === ws) this.#inFlight.delete(seq);
    if (wasReady) this.#o.metrics?.uplinkConnected.labels('ws').set(0);
    const waiters = this.#closeWaiters;
    this.#closeWaiters = [];
    for (const w of waiters) w();
    if (this.#stopped) return;
    if (code === 4401) {
      this.#log.error({ code: 'KTO_ERR_AGENT_HELLO_REFUSED', closeCode: code, reason }, 'the collector refused this agent (close 4401)');
    }
    if (!wasReady) {
      this.#wsFailures++;
      this.#o.metrics?.uplinkConnects.labels('failed').inc();
      if (this.#wsFailures >= (this.#o.wsFailuresBeforeHttp ?? 3) && !this.#httpMode) this.#enterHttpMode();
    } else {
      this.#log.warn({ closeCode: code, reason }, 'WebSocket to the collector closed: reconnecting');
    }
    const delay = this.#backoff(this.#backoffAttempt++);
    this.#log.debug({ delayMs: delay, failures: this.#wsFailures }, 'WebSocket reconnect scheduled');
    this.#reconnectTimer = setTimeout(() => this.#connect(), delay);
    this.#pump();
  }

  /** Exponential backoff with jitter: uniform in [d/2, d], d = min(cap, base·2^attempt). */
  #backoff(attempt: number): number {
    const base = this.#o.backoffBaseMs ?? 1000;
    const cap = this.#o.backoffCapMs ?? 60_000;
    const d = Math.min(cap, base * 2 ** Math.min(attempt, 30));
    return Math.round(d / 2 + (d / 2) * this.#random());
  }

  #startWatchdog(ws: WebSocket): void {
    const limit = this.#o.ackTimeoutMs ?? 60_000;
    clearInterval(this.#watchdog);
    this.#watchdog = setInterval(() => {
      const now = this.#now();
      for (const f of this.#inFlight.values()) {
        if (f.ws === ws && now - f.sentAt > limit) {
          this.#log.warn({ ackTimeoutMs: limit }, 'no ack in time: the WebSocket is considered dead');
          ws.terminate();
          return;
        }
      }
    }, Math.max(50, Math.floor(limit / 4)));
  }

  // ---- HTTP fallback ----

  #enterHttpMode(): void {
    this.#httpMode = true;
    this.#o.metrics?.uplinkConnected.labels('http').set(1);
    this.#log.warn({ failures: this.#wsFailures, url: this.#wsUrl }, 'WebSocket unavailable: sending batches by HTTP POST, will retry the WebSocket');
    void this.#pollZones();
    this.#pollTimer = setInterval(() => void this.#pollZones(), this.#o.zonesPollMs ?? 60_000);
  }

  #leaveHttpMode(): void {
    this.#httpMode = false;
    this.#httpFailures = 0;
    clearInterval(this.#pollTimer);
    this.#pollTimer = undefined;
    this.#o.metrics?.uplinkConnected.labels('http').set(0);
    this.#log.info('WebSocket back: HTTP fallback ended');
  }

  async #pollZones(): Promise<void> {
    const url = `${this.#o.collector}/v1/zones`;
    try {
      const res = await request(url, { dispatcher: this.#http, method: 'GET', headers: { accept: 'application/json' } });
      const text = await res.body.text();
      if (res.statusCode !== 200) {
        this.#log.warn({ status: res.statusCode, url }, 'zone list poll failed');
        return;
      }
      const list = zonesFromJson(JSON.parse(text));
      if (list === undefined) {
        this.#log.warn({ code: 'KTO_ERR_AGENT_BAD_RESPONSE', url }, 'zone list without a zones array');
        return;
      }
      if (this.#httpMode && !this.#stopped) this.#applyZones(list);
    } catch (err) {
      this.#log.warn({ err: (err as Error).message, url }, 'zone list poll failed');
    }
  }

  async #post(seq: number, bytes: Uint8Array, entry: InFlight): Promise<void> {
    const url = `${this.#o.collector}/v1/ingest`;
    let status = 0;
    let body: Uint8Array = new Uint8Array(0);
    let retryAfterHeader: string | undefined;
    try {
      const res = await request(url, {
        dispatcher: this.#http, method: 'POST', body: bytes,
        headers: { 'content-type': 'application/x-protobuf', accept: 'application/x-protobuf' },
      });
      status = res.statusCode;
      const ra = res.headers['retry-after'];
      retryAfterHeader = Array.isArray(ra) ? ra[0] : ra;
      body = new Uint8Array(await res.body.arrayBuffer());
    } catch (err) {
      if (this.#inFlight.get(seq) !== entry) return;
      this.#log.warn({ seq, err: (err as Error).message }, 'HTTP POST of a batch failed');
      this.#retryLater(seq, this.#backoff(this.#httpFailures++));
      return;
    }
    if (this.#inFlight.get(seq) !== entry) return;
    let ack: ReturnType<typeof Ack.decode> | undefined;
    try {
      ack = Ack.decode(body);
    } catch {
      ack = undefined;
    }
    if (ack !== undefined && ack.seq === seq && ack.status !== AckStatus.ACK_STATUS_UNSPECIFIED) {
      this.#httpFailures = 0;
      if (ack.status === AckStatus.ACK_STATUS_RETRY && !ack.retryAfterMs && retryAfterHeader !== undefined) {
        const s = Number(retryAfterHeader);
        if (Number.isFinite(s) && s >= 0) ack.retryAfterMs = Math.round(s * 1000);
      }
      this.#onAck(ack, 'http');
      return;
    }
    // Not a protocol answer (a proxy, an old collector): never treat it as a rejection.
    this.#log.warn({ seq, status, code: 'KTO_ERR_AGENT_BAD_RESPONSE' }, 'HTTP answer to a batch is not an Ack: will resend');
    const s = Number(retryAfterHeader);
    this.#retryLater(seq, Number.isFinite(s) && s > 0 ? s * 1000 : this.#backoff(this.#httpFailures++));
  }

  // ---- sending and acks ----

  #pump(): void {
    if (this.#stopped || (!this.#wsReady && !this.#httpMode)) return;
    if (this.#inFlight.size >= this.#window) return;
    const now = this.#now();
    for (const seq of this.#o.spool.seqs()) {
      if (this.#inFlight.size >= this.#window) break;
      if (this.#inFlight.has(seq)) continue;
      const notBefore = this.#delayed.get(seq);
      if (notBefore !== undefined) {
        if (notBefore > now) continue;
        this.#delayed.delete(seq);
      }
      const entry: InFlight = this.#wsReady
        ? { channel: 'ws', sentAt: now, ws: this.#ws }
        : { channel: 'http', sentAt: now, ws: undefined };
      this.#inFlight.set(seq, entry);
      // Reads finish in any order; the chain keeps transmissions in seq order.
      this.#sendChain = this.#sendChain.then(() => this.#send(seq, entry)).catch((err: unknown) => {
        this.#inFlight.delete(seq);
        this.#log.error({ seq, err: (err as Error).message }, 'sending a batch failed');
      });
    }
    this.#armDelayTimer();
  }

  async #send(seq: number, entry: InFlight): Promise<void> {
    let bytes: Uint8Array | undefined;
    try {
      bytes = await this.#o.spool.read(seq);
    } catch (err) {
      this.#log.error({ seq, err: (err as Error).message, code: 'KTO_ERR_AGENT_SPOOL_IO' }, 'cannot read a spooled batch');
      bytes = undefined;
    }
    if (this.#inFlight.get(seq) !== entry) return;
    if (bytes === undefined) {
      this.#inFlight.delete(seq);
      return;
    }
    this.#o.metrics?.batchesSent.labels(entry.channel).inc();
    if (entry.channel === 'http') {
      this.#track(this.#post(seq, bytes, entry));
      return;
    }
    const ws = entry.ws;
    if (ws === undefined || ws !== this.#ws || ws.readyState !== WebSocket.OPEN) {
      this.#inFlight.delete(seq);
      return;
    }
    ws.send(wrapBatch(bytes));
  }

  #onAck(ack: IAck, channel: UplinkChannel): void {
    const seq = Number(ack.seq ?? 0);
    this.#inFlight.delete(seq);
    const status = ack.status ?? AckStatus.ACK_STATUS_UNSPECIFIED;
    const label = STATUS_LABEL[status as keyof typeof STATUS_LABEL];
    this.#o.metrics?.batchesAcked.labels(label ?? 'unspecified').inc();
    switch (status) {
      case AckStatus.ACK_STATUS_STORED:
      case AckStatus.ACK_STATUS_DUPLICATE:
        this.#delayed.delete(seq);
        if (seq > this.#lastAcked) {
          this.#lastAcked = seq;
          this.#o.metrics?.lastAckedSeq.set(seq);
        }
        this.#o.onStored?.(seq);
        this.#track(this.#o.spool.remove(seq).catch((err: Error) => {
          this.#log.error({ seq, err: err.message, code: 'KTO_ERR_AGENT_SPOOL_IO' }, 'cannot delete an acknowledged batch');
        }));
        break;
      case AckStatus.ACK_STATUS_REJECTED: {
        this.#delayed.delete(seq);
        const why = { code: ack.errorCode ?? '', message: ack.message ?? '' };
        this.#log.error({ code: 'KTO_ERR_AGENT_BATCH_REJECTED', seq, collectorCode: why.code, message: why.message, channel },
          'the collector rejected a batch: moved to spool/rejected/');
        this.#track(this.#o.spool.reject(seq, why).catch((err: Error) => {
          this.#log.error({ seq, err: err.message, code: 'KTO_ERR_AGENT_SPOOL_IO' }, 'cannot move a rejected batch');
        }));
        break;
      }
      case AckStatus.ACK_STATUS_RETRY:
        this.#retryLater(seq, ack.retryAfterMs || (this.#o.defaultRetryMs ?? 1000));
        break;
      default:
        this.#log.warn({ seq, status, code: 'KTO_ERR_AGENT_BAD_RESPONSE' }, 'ack with an unknown status: will resend');
        this.#retryLater(seq, this.#o.defaultRetryMs ?? 1000);
    }
    this.#pump();
  }

  #retryLater(seq: number, afterMs: number): void {
    this.#inFlight.delete(seq);
    if (!this.#o.spool.has(seq)) return;
    this.#delayed.set(seq, this.#now() + afterMs);
    this.#armDelayTimer();
  }

  /** One timer for the earliest delayed resend. */
  #armDelayTimer(): void {
    if (this.#stopped) return;
    let earliest = Infinity;
    for (const t of this.#delayed.values()) if (t < earliest) earliest = t;
    if (earliest === this.#delayTimerAt) return;
    clearTimeout(this.#delayTimer);
    this.#delayTimerAt = earliest;
    if (earliest === Infinity) return;
    this.#delayTimer = setTimeout(() => {
      this.#delayTimerAt = Infinity;
      this.#pump();
    }, Math.max(0, earliest - this.#now()));
  }

  #track(p: Promise<void>): void {
    this.#ops.add(p);
    void p.finally(() => this.#ops.delete(p));
  }

  #applyZones(list: ZoneList): void {
    for (const s of list.skipped) this.#log.warn({ entry: s }, 'zone from the collector skipped');
    this.#zonesVersion = list.version;
    this.#o.onZones(list);
  }
}
