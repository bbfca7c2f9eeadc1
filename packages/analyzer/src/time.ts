// Arithmetic on sampled times (ObservedTime: the change happened in (after, at]).

import type { ObservedTime, Span } from './types.js';

/** b - a with the bounds the sampling allows. */
export function spanBetween(a: ObservedTime, b: ObservedTime): Span {
  return {
    ms: b.at - a.at,
    min: b.after === null ? null : b.after - a.at,
    max: a.after === null ? null : b.at - a.after,
  };
}

/** Order of two sampled events: 'before' / 'after' when the sampling separates them, 'same' when one observation shows both, else 'unknown'. */
export function order(a: ObservedTime, b: ObservedTime): 'before' | 'after' | 'same' | 'unknown' {
  if (a.at === b.at) return 'same';
  if (b.after !== null && a.at <= b.after) return 'before';
  if (a.after !== null && b.at <= a.after) return 'after';
  return 'unknown';
}

/** true when the span is surely >= minimum, false when surely below, null when the sampling cannot tell. */
export function atLeast(span: Span, minimum: number): boolean | null {
  if (span.min !== null && span.min >= minimum) return true;
  if (span.max !== null && span.max < minimum) return false;
  return null;
}

export function earliest(...ts: (ObservedTime | null)[]): ObservedTime | null {
  let best: ObservedTime | null = null;
  for (const t of ts) if (t !== null && (best === null || t.at < best.at)) best = t;
  return best;
}

export function latest(...ts: (ObservedTime | null)[]): ObservedTime | null {
  let best: ObservedTime | null = null;
  for (const t of ts) if (t !== null && (best === null || t.at > best.at)) best = t;
  return best;
}
