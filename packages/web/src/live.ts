// The /v1/live WebSocket of one zone: parses {type: 'analysis', zone, result}, reports the connection
// status, reconnects with capped backoff. The socket constructor is injected (the browser's WebSocket,
// or a fake in tests).
import type { LiveMessage } from './api/types.js';

export interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  close(): void;
}

export type SocketFactory = (url: string) => SocketLike;

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface LiveHandlers {
  onAnalysis(msg: LiveMessage): void;
  onStatus(status: LiveStatus): void;
}

export interface LiveOptions {
  /** First reconnect delay, doubled per failure up to maxDelayMs. */
  minDelayMs?: number;
  maxDelayMs?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
}

/** A live message, or null for anything else (other types, malformed JSON). */
export function parseLiveMessage(data: unknown): LiveMessage | null {
  if (typeof data !== 'string') return null;
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const m = v as Partial<LiveMessage>;
  if (m.type !== 'analysis' || typeof m.zone !== 'string' || typeof m.result !== 'object' || m.result === null) return null;
  return m as LiveMessage;
}

export class LiveConnection {
  private socket: SocketLike | null = null;
  private timer: unknown = null;
  private delay: number;
  private stopped = false;
  private readonly minDelay: number;
  private readonly maxDelay: number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (t: unknown) => void;

  constructor(private readonly url: string, private readonly factory: SocketFactory, private readonly h: LiveHandlers, opts: LiveOptions = {}) {
    this.minDelay = opts.minDelayMs ?? 1000;
    this.maxDelay = opts.maxDelayMs ?? 30_000;
    this.delay = this.minDelay;
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>));
  }

  start(): void {
    this.stopped = false;
    this.open('connecting');
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    const s = this.socket;
    this.socket = null;
    if (s !== null) {
      s.onclose = null;
      s.onerror = null;
      s.onmessage = null;
      s.close();
    }
    this.h.onStatus('closed');
  }

  private open(status: LiveStatus): void {
    this.h.onStatus(status);
    let s: SocketLike;
    try {
      s = this.factory(this.url);
    } catch {
      this.retry();
      return;
    }
    this.socket = s;
    s.onopen = () => {
      this.delay = this.minDelay;
      this.h.onStatus('live');
    };
    s.onmessage = (ev) => {
      const m = parseLiveMessage(ev.data);
      if (m !== null) this.h.onAnalysis(m);
    };
    s.onerror = () => { /* the close event follows and schedules the retry */ };
    s.onclose = () => {
      if (this.socket !== s) return;
      this.socket = null;
      this.retry();
    };
  }

  private retry(): void {
    if (this.stopped) return;
    const d = this.delay;
    this.delay = Math.min(this.maxDelay, this.delay * 2);
    this.h.onStatus('reconnecting');
    this.timer = this.setTimer(() => {
      this.timer = null;
      if (!this.stopped) this.open('reconnecting');
    }, d);
  }
}
