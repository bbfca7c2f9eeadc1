// resolv.conf(5): the `nameserver` lines are the agent's default resolvers.
import { canonicalIp, type ServerAddress } from './server-address.js';

/**
 * The name servers listed in resolv.conf text, in file order, duplicates dropped, all on port 53
 * (resolv.conf has no port syntax). Lines starting with `#` or `;` are comments; text after the
 * address is ignored, as the C library does. Addresses that are not IP literals are skipped.
 */
export function parseResolvConf(text: string): ServerAddress[] {
  const out: ServerAddress[] = [];
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] !== 'nameserver' || fields[1] === undefined) continue;
    const ip = canonicalIp(fields[1]);
    if (ip === undefined || seen.has(ip.address)) continue;
    seen.add(ip.address);
    out.push({ address: ip.address, port: 53, family: ip.family });
  }
  return out;
}
