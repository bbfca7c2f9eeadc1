// Display formats: durations, UTC times, DNSSEC algorithm mnemonics (IANA registry).
const ALGORITHMS: Record<number, string> = {
  1: 'RSAMD5', 3: 'DSA', 5: 'RSASHA1', 6: 'DSA-NSEC3-SHA1', 7: 'RSASHA1-NSEC3-SHA1', 8: 'RSASHA256', 10: 'RSASHA512',
  12: 'ECC-GOST', 13: 'ECDSAP256SHA256', 14: 'ECDSAP384SHA384', 15: 'ED25519', 16: 'ED448', 17: 'SM2SM3', 23: 'ECC-GOST12',
};

export function algorithmName(n: number): string {
  return ALGORITHMS[n] ?? `algorithm ${n}`;
}

/** 90061000 -> '1d 1h', 61000 -> '1m 1s', 450 -> '450 ms'; negative values get a minus sign. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${Math.round(rest)} ms`;
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
  const parts: string[] = [];
  for (const [name, size] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${name}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return sign + parts.join(' ');
}

/** '2026-11-28 23:05:07Z' (UTC, second precision); '—' for 0/null (never). */
export function utc(ms: number | null): string {
  if (ms === null || ms <= 0) return '—';
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** A key for people: 'ZSK 13/12345' (role, algorithm, tag). */
export function keyLabel(role: string, algorithm: number, keyTag: number): string {
  return `${role} ${algorithm}/${keyTag}`;
}
