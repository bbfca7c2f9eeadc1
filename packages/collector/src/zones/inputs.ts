// Zone names and query types as API callers write them.
import { KtoError, normalizeName, typeFromName } from '@kto/core';

/**
 * Canonical zone name from user input: with or without the trailing dot, any case; "." and "@"
 * are the root. Throws KTO_ERR_API_BAD_ZONE_NAME.
 */
export function zoneFromInput(text: string): string {
  if (text === '@' || text === '.') return '.';
  if (text === '') {
    // WHATWG URL clients (fetch, browsers) drop a "." or "%2E" path segment before sending
    throw new KtoError('KTO_ERR_API_BAD_ZONE_NAME', 'empty zone name; write the root zone as "@"');
  }
  try {
    return normalizeName(text);
  } catch (err) {
    throw new KtoError('KTO_ERR_API_BAD_ZONE_NAME', `${JSON.stringify(text.slice(0, 300))} is not a valid zone name: ${(err as Error).message}`);
  }
}

/** RR type number from a mnemonic ("DNSKEY", "TYPE65"), a decimal string or a number. Throws KTO_ERR_API_BAD_QTYPE. */
export function qtypeFromInput(v: string | number): number {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (/^[0-9]{1,5}$/.test(v)) n = Number(v);
  else {
    try {
      n = typeFromName(v);
    } catch {
      throw new KtoError('KTO_ERR_API_BAD_QTYPE', `${JSON.stringify(v.slice(0, 32))} is not a known RR type mnemonic`);
    }
  }
  if (!Number.isInteger(n) || n < 1 || n > 65_535) {
    throw new KtoError('KTO_ERR_API_BAD_QTYPE', `${JSON.stringify(v)} is not an RR type number 1..65535`);
  }
  return n;
}
