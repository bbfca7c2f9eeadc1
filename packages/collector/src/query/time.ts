// Times in query strings: epoch milliseconds, or ISO 8601 (a date, or a date-time with Z or an offset;
// a date-time without a zone would depend on the server's time zone and is refused).
import { KtoError } from '@kto/core';

const ISO = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** Epoch ms. Throws KTO_ERR_API_BAD_TIME naming the parameter. */
export function parseTime(text: string, param: string): number {
  if (/^\d{1,16}$/.test(text)) {
    const ms = Number(text);
    if (Number.isSafeInteger(ms)) return ms;
  } else if (ISO.test(text)) {
    const ms = Date.parse(text);
    if (Number.isFinite(ms)) return ms;
  }
  throw new KtoError('KTO_ERR_API_BAD_TIME',
    `${param}=${JSON.stringify(text.slice(0, 40))} is neither epoch milliseconds nor ISO 8601 (2026-01-31, 2026-01-31T12:00:00Z)`);
}
