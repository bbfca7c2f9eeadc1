// Polling a running lab through its resolvers: for every zone, at a steady lab-time interval, the
// apex SOA and DNSKEY, a name-server address and a name that does not exist, recording RCODE and AD.
// Tests use it to check that conformant scenarios validate at every poll and broken ones fail where
// their ground truth says.

import { setTimeout as sleep } from 'node:timers/promises';
import { labQuery } from './dns-client.js';
import type { RunningLab } from './world.js';

export interface ProbeResult {
  /** Lab time the query was sent. */
  t: number;
  resolver: string;
  behaviour: string;
  scenario: string;
  qname: string;
  qtype: string;
  /** RCODE, or -1 when no reply came in time. */
  rcode: number;
  ad: boolean;
}

export interface ProbeOptions {
  /** Lab seconds between polls (default 2.5). */
  interval?: number;
  /** Poll until this lab time (default: the longest scenario's duration + 10). */
  until?: number;
  /** Which resolvers to poll (default: all). */
  resolvers?: (r: RunningLab['resolvers'][number]) => boolean;
  timeoutMs?: number;
}

/** Polls `lab` until `until` (lab time) and returns every result. */
export async function probeLab(lab: RunningLab, opts: ProbeOptions = {}): Promise<ProbeResult[]> {
  const interval = opts.interval ?? 2.5;
  const until = opts.until ?? Math.max(...lab.zones.map((z) => z.duration)) + 10;
  const resolvers = lab.resolvers.filter(opts.resolvers ?? (() => true));
  const targets = lab.zones.flatMap((z) => {
    const host = z.providers[0]?.servers[0]?.host ?? `ns.${z.zone}`;
    return [[z.zone, 'SOA'], [z.zone, 'DNSKEY'], [host, 'A'], [`nope.${z.zone}`, 'TXT']].map(([qname, qtype]) => ({ scenario: z.scenario, qname: qname as string, qtype: qtype as string }));
  });
  const out: ProbeResult[] = [];
  while (lab.labNow() < until) {
    const round = lab.labNow();
    await Promise.all(resolvers.flatMap((r) => targets.map(async (q) => {
      const t = lab.labNow();
      let rcode = -1;
      let ad = false;
      try {
        const reply = await labQuery(r.address, q.qname, q.qtype, { port: r.port, timeoutMs: opts.timeoutMs ?? 4000 });
        rcode = reply.message.header.rcode;
        ad = reply.message.header.ad;
      } catch {
        // recorded as rcode -1
      }
      out.push({ t, resolver: r.id, behaviour: r.behaviour, scenario: q.scenario, qname: q.qname, qtype: q.qtype, rcode, ad });
    })));
    const wait = (round + interval - lab.labNow()) / lab.clock.speed;
    if (wait > 0) await sleep(wait * 1000);
  }
  return out;
}
