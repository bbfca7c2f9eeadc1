// Hash routes of the UI contract: #/ (overview), #/zone/<zone>, #/research?<filters>, #/agents.
export type Route =
  | { page: 'overview' }
  | { page: 'zone'; zone: string }
  | { page: 'research'; query: string }
  | { page: 'agents' }
  | { page: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const h = hash.startsWith('#') ? hash.slice(1) : hash;
  const q = h.indexOf('?');
  const path = q < 0 ? h : h.slice(0, q);
  const query = q < 0 ? '' : h.slice(q);
  if (path === '' || path === '/') return { page: 'overview' };
  if (path === '/agents') return { page: 'agents' };
  if (path === '/research') return { page: 'research', query };
  if (path.startsWith('/zone/')) {
    let zone: string;
    try {
      zone = decodeURIComponent(path.slice('/zone/'.length));
    } catch {
      return { page: 'not-found', path };
    }
    if (zone !== '') return { page: 'zone', zone: zone === '@' ? '.' : zone };
  }
  return { page: 'not-found', path };
}

export function zoneHref(zone: string): string {
  return `#/zone/${zone === '.' ? '@' : encodeURIComponent(zone)}`;
}

/** Zone names compare without case and trailing dot ('Example.COM' = 'example.com.'). */
export function sameZone(a: string, b: string): boolean {
  const n = (z: string): string => (z === '@' || z === '.' ? '.' : z.toLowerCase().replace(/\.$/, ''));
  return n(a) === n(b);
}

/** A zone for people: the root is '. (root)'. */
export function zoneName(zone: string): string {
  return zone === '.' || zone === '@' ? '. (root)' : zone;
}
