// A DNS server's transport address, and the `host[:port]` / `[v6]:port` syntax used in config.
import { isIP } from 'node:net';

export interface ServerAddress {
  /** IP literal in canonical form (IPv6 lower case and compressed; a scope `%if` is kept). */
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
}

/** Canonical text of an IP literal, or undefined when `text` is not one. */
export function canonicalIp(text: string): { address: string; family: 4 | 6 } | undefined {
  const family = isIP(text);
  if (family === 4) return { address: text, family };
  if (family !== 6) return undefined;
  const pct = text.indexOf('%');
  if (pct >= 0) {
    // URL cannot hold a zone id: canonicalize the address part only.
    const base = canonicalIp(text.slice(0, pct));
    return base === undefined ? undefined : { address: `${base.address}${text.slice(pct)}`, family: 6 };
  }
  return { address: new URL(`http://[${text}]/`).hostname.slice(1, -1), family: 6 };
}

/**
 * Parses `1.2.3.4`, `1.2.3.4:5353`, `2001:db8::1`, `[2001:db8::1]:53`, `fe80::1%eth0`, `[fe80::1%eth0]:53`.
 * Returns an error text instead of throwing, so that callers can say where the value came from.
 */
export function parseServerAddress(spec: string, defaultPort: number): ServerAddress | string {
  const s = spec.trim();
  let host = s;
  let portText: string | undefined;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) return `unclosed '[' in '${spec}'`;
    host = s.slice(1, close);
    const rest = s.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return `expected ':port' after ']' in '${spec}'`;
      portText = rest.slice(1);
    }
  } else {
    const first = s.indexOf(':');
    // One colon: IPv4 or name with a port. More: a bare IPv6 literal without port.
    if (first >= 0 && first === s.lastIndexOf(':')) {
      host = s.slice(0, first);
      portText = s.slice(first + 1);
    }
  }
  const ip = canonicalIp(host);
  if (ip === undefined) return `'${host}' is not an IPv4 or IPv6 address`;
  let port = defaultPort;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      return `port '${portText}' in '${spec}' is not 1..65535`;
    }
    port = Number(portText);
  }
  return { address: ip.address, port, family: ip.family };
}

/** `address:port` with brackets for IPv6, for logs and for the `host[:port]` syntax. */
export function formatServerAddress(server: ServerAddress): string {
  return server.family === 6 ? `[${server.address}]:${server.port}` : `${server.address}:${server.port}`;
}
