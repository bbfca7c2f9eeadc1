// Is address:port free for UDP and TCP? Servers the lab starts itself (Unbound) bind with options
// that could share a port with a leftover process, so the lab checks first and reports it.

import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { KtoError } from '@kto/core';

/** The lab's error for a failed bind: KTO_ERR_LAB_ADDRESS_IN_USE for EADDRINUSE, else KTO_ERR_LAB_CANNOT_BIND. */
export function bindFailure(err: NodeJS.ErrnoException, address: string, port: number, proto: string): KtoError {
  return err.code === 'EADDRINUSE'
    ? new KtoError('KTO_ERR_LAB_ADDRESS_IN_USE', `${address}:${port}/${proto} is in use: another lab or a leftover server holds it (ss -lunpt)`, { address, port, proto })
    : new KtoError('KTO_ERR_LAB_CANNOT_BIND', `cannot bind ${address}:${port}/${proto} (${err.code ?? err.message}): port 53 needs root or CAP_NET_BIND_SERVICE`, { address, port, proto });
}

/** Rejects with KTO_ERR_LAB_ADDRESS_IN_USE (or _CANNOT_BIND) unless both UDP and TCP address:port can be bound. */
export async function assertFree(address: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const sock = createSocket('udp4');
    sock.once('error', (err) => {
      sock.close();
      reject(bindFailure(err, address, port, 'udp'));
    });
    sock.bind(port, address, () => sock.close(() => resolve()));
  });
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (err) => reject(bindFailure(err, address, port, 'tcp')));
    server.listen({ port, host: address, exclusive: true }, () => server.close(() => resolve()));
  });
}
