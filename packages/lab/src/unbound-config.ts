// The unbound.conf of a loopback vantage point: the lab's resolvers and the test worlds (test/support)
// both write it from here, so that every Unbound we run validates the same way.

/** How an Unbound finds its data: iterating from root hints, or forwarding everything to a cache. */
export type UnboundUpstream = { rootHints: string } | { forwardTo: string; port: number };

/** Zones whose name servers it reaches at one address instead of through delegations (stub-zone). */
export interface UnboundStubZones { address: string; port: number; zones: readonly string[] }

export interface UnboundConfigOptions {
  address: string;
  port: number;
  /** Working directory (pid file). */
  dir: string;
  upstream: UnboundUpstream;
  /** Trust anchor file; null: no validation (iterator only). */
  trustAnchor: string | null;
  /**
   * Extra `server:` options, written after ours so that they win where Unbound keeps the last value:
   * either name -> value, or ready "name: value" lines.
   */
  options?: Readonly<Record<string, string>> | readonly string[];
  stubs?: UnboundStubZones;
}

export function unboundConfig(o: UnboundConfigOptions): string {
  const stubs = o.stubs;
  const extra = Array.isArray(o.options) ? o.options as readonly string[] : Object.entries(o.options ?? {}).map(([k, v]) => `${k}: ${v}`);
  return [
    'server:',
    '    verbosity: 1',
    '    use-syslog: no',
    '    logfile: ""',
    '    log-time-ascii: yes',
    '    log-servfail: yes',
    '    val-log-level: 2',
    '    do-daemonize: no',
    '    username: ""',
    '    chroot: ""',
    `    directory: "${o.dir}"`,
    `    pidfile: "${o.dir}/unbound.pid"`,
    `    interface: ${o.address}`,
    `    port: ${o.port}`,
    '    do-ip6: no',
    '    num-threads: 1',
    '    so-reuseport: no',
    '    access-control: 127.0.0.0/8 allow',
    // loopback servers, which Unbound will not query by default
    '    do-not-query-localhost: no',
    ...('rootHints' in o.upstream ? [`    root-hints: "${o.upstream.rootHints}"`] : []),
    ...(o.trustAnchor !== null ? [`    trust-anchor: "${o.trustAnchor}"`, '    module-config: "validator iterator"'] : ['    module-config: "iterator"']),
    '    trust-anchor-signaling: no',
    '    root-key-sentinel: no',
    '    ede: yes',
    // everything else at Unbound's defaults, which suit a private root: harden-* (glue in bailiwick,
    // referral path not re-checked), qname-minimisation, edns-buffer-size and max-udp-size 1232
    ...extra.map((line) => `    ${line}`),
    ...('forwardTo' in o.upstream ? ['forward-zone:', '    name: "."', `    forward-addr: ${o.upstream.forwardTo}@${o.upstream.port}`, '    forward-first: no'] : []),
    ...(stubs === undefined ? [] : stubs.zones.flatMap((z) => ['stub-zone:', `    name: "${z}"`, `    stub-addr: ${stubs.address}@${stubs.port}`, '    stub-prime: no'])),
    'remote-control:',
    '    control-enable: no',
    '',
  ].join('\n');
}
