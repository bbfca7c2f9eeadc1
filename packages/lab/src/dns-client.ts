// A small DNS client for the lab's own checks (is a resolver up and validating?) and its tests:
// one query over UDP (with TCP retry on TC) or TCP, answered within a timeout.

import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createConnection } from 'node:net';
import { KtoError, decodeMessage, encodeQuery } from '@kto/core';
import type { DnsMessage } from '@kto/core';

export interface LabQueryOptions {
  port?: number;
  transport?: 'udp' | 'tcp';
  /** Retry over TCP when a UDP answer has TC=1 (default true). */
  tcpOnTruncation?: boolean;
  dnssecOk?: boolean;
  rd?: boolean;
  cd?: boolean;
  udpSize?: number;
  timeoutMs?: number;
}

export interface LabReply {
  message: DnsMessage;
  transport: 'udp' | 'tcp';
}

function timeoutError(address: string, name: string, type: number | string, transport: string, ms: number): KtoError {
  return new KtoError('KTO_ERR_LAB_DNS_TIMEOUT', `no ${transport} reply from ${address} for ${name} ${String(type)} within ${ms} ms`, { address, name });
}

function udpQuery(address: string, port: number, query: Uint8Array, ms: number, what: () => KtoError): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(what());
    }, ms);
    sock.on('error', (err) => {
      clearTimeout(timer);
      sock.close();
      reject(err);
    });
    sock.on('message', (msg) => {
      if (msg.length < 2 || msg[0] !== query[0] || msg[1] !== query[1]) return;
      clearTimeout(timer);
      sock.close();
      resolve(new Uint8Array(msg));
    });
    sock.send(query, port, address);
  });
}

function tcpQuery(address: string, port: number, query: Uint8Array, ms: number, what: () => KtoError): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ host: address, port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(what());
    }, ms);
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.on('connect', () => {
      const framed = Buffer.allocUnsafe(2 + query.length);
      framed.writeUInt16BE(query.length, 0);
      framed.set(query, 2);
      sock.write(framed);
    });
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        clearTimeout(timer);
        sock.destroy();
        resolve(new Uint8Array(buf.subarray(2, 2 + buf.readUInt16BE(0))));
      }
    });
  });
}

/** Sends one query for (name, type) to address:port and decodes the reply. */
export async function labQuery(address: string, name: string, type: number | string, opts: LabQueryOptions = {}): Promise<LabReply> {
  const port = opts.port ?? 53;
  const ms = opts.timeoutMs ?? 3000;
  const query = encodeQuery({
    id: randomInt(0, 0x10000), name, type, rd: opts.rd ?? true, cd: opts.cd ?? false, dnssecOk: opts.dnssecOk ?? true,
    udpSize: opts.udpSize ?? 1232,
  });
  const transport = opts.transport ?? 'udp';
  if (transport === 'udp') {
    const bytes = await udpQuery(address, port, query, ms, () => timeoutError(address, name, type, 'udp', ms));
    const message = decodeMessage(bytes);
    if (!message.header.tc || opts.tcpOnTruncation === false) return { message, transport };
  }
  const bytes = await tcpQuery(address, port, query, ms, () => timeoutError(address, name, type, 'tcp', ms));
  return { message: decodeMessage(bytes), transport: 'tcp' };
}
