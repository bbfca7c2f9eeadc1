// Matching a response to its query: id, QR bit, one question, same question bytes (RFC 5452 §4.1).

/** Offset just past the question section of a query we built (one question, uncompressed name). */
export function questionEnd(query: Uint8Array): number {
  let i = 12;
  while (i < query.length) {
    const len = query[i]!;
    if (len === 0) return i + 1 + 4;
    i += len + 1;
  }
  return query.length;
}

/**
 * True when `response` answers `query`: same id, QR set, opcode equal, QDCOUNT 1 and the same
 * question (name compared case-insensitively, type and class exactly).
 */
export function matchesQuery(query: Uint8Array, qEnd: number, response: Uint8Array): boolean {
  if (response.length < qEnd) return false;
  if (response[0] !== query[0] || response[1] !== query[1]) return false;
  const flags = response[2]!;
  if ((flags & 0x80) === 0 || (flags & 0x78) !== (query[2]! & 0x78)) return false;
  if (response[4] !== 0 || response[5] !== 1) return false;
  const nameEnd = qEnd - 4;
  for (let i = 12; i < nameEnd; i++) {
    let a = query[i]!;
    let b = response[i]!;
    if (a !== b) {
      // ASCII case folding; label length bytes are < 64 and never letters, so this is safe.
      if (a >= 0x41 && a <= 0x5a) a |= 0x20;
      if (b >= 0x41 && b <= 0x5a) b |= 0x20;
      if (a !== b) return false;
    }
  }
  for (let i = nameEnd; i < qEnd; i++) if (query[i] !== response[i]) return false;
  return true;
}
