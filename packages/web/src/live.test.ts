// The live connection's state machine with a fake socket and fake timers: status changes, message
// parsing, reconnect with doubling capped backoff, and stop() leaving nothing scheduled.
import { describe, expect, it } from 'vitest';
import { LiveConnection, parseLiveMessage, type LiveStatus, type SocketLike } from './live.js';

class FakeSocket implements SocketLike {
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  closed = false;
  constructor(readonly url: string) {}
  close(): void { this.closed = true; }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number; cleared: boolean }[] = [];
  const statuses: LiveStatus[] = [];
  const messages: unknown[] = [];
  const conn = new LiveConnection('ws://127.0.0.1:1/v1/live?zone=nl.', (url) => {
    const s = new FakeSocket(url);
    sockets.push(s);
    return s;
  }, { onStatus: (s) => statuses.push(s), onAnalysis: (m) => messages.push(m) }, {
    minDelayMs: 100, maxDelayMs: 350,
    setTimer: (fn, ms) => { const t = { fn, ms, cleared: false }; timers.push(t); return t; },
    clearTimer: (t) => { (t as { cleared: boolean }).cleared = true; },
  });
  return { conn, sockets, timers, statuses, messages };
}

describe('LiveConnection', () => {
  it('connecting -> live; analysis messages pass, anything else is dropped', () => {
    const { conn, sockets, statuses, messages } = setup();
    conn.start();
    const s = sockets[0] as FakeSocket;
    expect(s.url).toBe('ws://127.0.0.1:1/v1/live?zone=nl.');
    s.onopen?.({});
    expect(statuses).toEqual(['connecting', 'live']);
    s.onmessage?.({ data: JSON.stringify({ type: 'analysis', zone: 'nl.', result: { analysis: {} } }) });
    s.onmessage?.({ data: '{"type":"zones"}' });
    s.onmessage?.({ data: 'not json' });
    s.onmessage?.({ data: new Uint8Array(3) });
    expect(messages).toEqual([{ type: 'analysis', zone: 'nl.', result: { analysis: {} } }]);
  });

  it('reconnects after a close with doubling delays up to the cap, reset once open', () => {
    const { conn, sockets, timers, statuses } = setup();
    conn.start();
    for (let i = 0; i < 4; i++) {
      (sockets[i] as FakeSocket).onclose?.({});
      const t = timers[i];
      t?.fn();
    }
    expect(timers.map((t) => t.ms)).toEqual([100, 200, 350, 350]);
    expect(sockets.length).toBe(5);
    (sockets[4] as FakeSocket).onopen?.({});
    expect(statuses.at(-1)).toBe('live');
    (sockets[4] as FakeSocket).onclose?.({});
    expect(timers.at(-1)?.ms).toBe(100);
    expect(statuses.at(-1)).toBe('reconnecting');
  });

  it('stop(): closes the socket, cancels the pending retry, reports closed, ignores late events', () => {
    const { conn, sockets, timers, statuses } = setup();
    conn.start();
    const first = sockets[0] as FakeSocket;
    first.onclose?.({});
    expect(timers.length).toBe(1);
    timers[0]?.fn();
    const second = sockets[1] as FakeSocket;
    second.onopen?.({});
    conn.stop();
    expect(second.closed).toBe(true);
    expect(second.onclose).toBeNull();
    expect(statuses.at(-1)).toBe('closed');
    // a retry scheduled before stop() does nothing
    first.onclose?.({});
    expect(sockets.length).toBe(2);
    conn.start();
    (sockets[2] as FakeSocket).onclose?.({});
    conn.stop();
    expect(timers.at(-1)?.cleared).toBe(true);
  });

  it('parseLiveMessage wants type analysis, a zone and a result object', () => {
    expect(parseLiveMessage('{"type":"analysis","zone":".","result":{}}')).toEqual({ type: 'analysis', zone: '.', result: {} });
    expect(parseLiveMessage('{"type":"analysis","zone":".","result":null}')).toBeNull();
    expect(parseLiveMessage('{"type":"analysis","result":{}}')).toBeNull();
    expect(parseLiveMessage('null')).toBeNull();
    expect(parseLiveMessage(42)).toBeNull();
  });
});
