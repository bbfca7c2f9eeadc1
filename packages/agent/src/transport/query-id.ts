// Random 16-bit DNS message ids from the system CSPRNG, drawn from a refilled buffer.
import { randomFillSync } from 'node:crypto';

const pool = new Uint16Array(4096);
let next = pool.length;

export function randomQueryId(): number {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  return pool[next++]!;
}
