// Zone-snapshot archives -> authoritative observations. An archive is a sequence of blocks, each headed
// `; commit=<sha> committed=<ISO time> message=<serial>` and holding zone records (master-file text),
// e.g. ../shared/real-data/root-dnskey-timeseries (root apex every ~12 h). Each snapshot becomes one
// observation per RRset type present (DNSKEY, SOA, ...) from one vantage point of kind 'authoritative',
// at the capture time, with a real DNS response as raw bytes so that signatures can be verified.

import { KtoError, normalizeName, parseZoneText } from '@kto/core';
import type { ZoneRecord } from '@kto/core';
import type { ObservationRow } from '../observation.js';
import { QTYPE } from '../observation.js';
import { encodeResponse } from '../wire.js';
import { rowFromResponse } from './row-builder.js';

export interface Snapshot {
  commit: string;
  /** Capture time, ms since the epoch. */
  at: number;
  message: string;
  /** 1-based line of the block header. */
  line: number;
  records: ZoneRecord[];
}

const HEADER = /^; commit=([0-9a-f]+) committed=(\S+) message=(.*)$/;

/** Splits an archive into its snapshots (records parsed with core's parseZoneText). */
export function parseSnapshotArchive(text: string, origin = '.'): Snapshot[] {
  if (typeof text !== 'string') throw new KtoError('KTO_ERR_ANALYZER_BAD_ARGUMENT', 'parseSnapshotArchive: text must be a string');
  const lines = text.split('\n');
  const out: Snapshot[] = [];
  let cur: { commit: string; at: number; message: string; line: number; body: string[] } | null = null;
  const flush = (): void => {
    if (cur === null) return;
    let parsed;
    try {
      parsed = parseZoneText(cur.body.join('\n'), { origin });
    } catch (err) {
      throw new KtoError('KTO_ERR_ANALYZER_SNAPSHOT_SYNTAX', `snapshot at line ${cur.line} (commit ${cur.commit}): ${(err as Error).message}`,
        { line: cur.line }, { cause: err });
    }
    out.push({ commit: cur.commit, at: cur.at, message: cur.message, line: cur.line, records: parsed.records });
  };
  lines.forEach((l, i) => {
    if (l.startsWith('; commit=')) {
      const m = HEADER.exec(l.trimEnd());
      const at = m === null ? NaN : Date.parse(m[2] as string);
      if (m === null || Number.isNaN(at)) {
        throw new KtoError('KTO_ERR_ANALYZER_SNAPSHOT_SYNTAX', `line ${i + 1}: bad snapshot header ${JSON.stringify(l.slice(0, 120))}`, { line: i + 1 });
      }
      flush();
      cur = { commit: m[1] as string, at, message: (m[3] as string).trim(), line: i + 1, body: [] };
    } else if (cur !== null) {
      cur.body.push(l);
    } else if (l.trim() !== '' && !l.startsWith(';')) {
      throw new KtoError('KTO_ERR_ANALYZER_SNAPSHOT_SYNTAX', `line ${i + 1}: records before the first snapshot header`, { line: i + 1 });
    }
  });
  flush();
  return out;
}

export interface SnapshotImportOptions {
  zone: string;
  /** Vantage identity of the archive (default agent 'snapshot-archive', server 'archive'). */
  agentId?: string;
  server?: string;
  /** RRset types to turn into observations (default DNSKEY and SOA). */
  qtypes?: readonly number[];
  /** Keep the response bytes (default true; needed to verify signatures). */
  withRaw?: boolean;
}

/** One authoritative observation per snapshot and RRset type (types absent from a snapshot are skipped). */
export function snapshotsToObservations(snapshots: readonly Snapshot[], opts: SnapshotImportOptions): ObservationRow[] {
  const zone = normalizeName(opts.zone);
  const qtypes = opts.qtypes ?? [QTYPE.DNSKEY, QTYPE.SOA];
  const rows: ObservationRow[] = [];
  snapshots.forEach((s, seq) => {
    qtypes.forEach((qtype, idx) => {
      const answer = s.records.filter((r) => r.name === zone && (r.type === qtype || (r.type === QTYPE.RRSIG && ((r.rdata[0] as number) << 8 | (r.rdata[1] as number)) === qtype)));
      if (!answer.some((r) => r.type === qtype)) return;
      const raw = encodeResponse({ qname: zone, qtype, aa: true, answer: answer.map((r) => ({ name: r.name, type: r.type, klass: r.klass, ttl: r.ttl, rdata: r.rdata })) });
      rows.push(rowFromResponse({
        agent_id: opts.agentId ?? 'snapshot-archive', seq, idx, vantage_kind: 'authoritative', server: opts.server ?? 'archive', server_name: '',
        country: '', continent: '', zone, qtype, observed_at_ms: s.at,
      }, raw, { withRaw: opts.withRaw !== false }));
    });
  });
  return rows;
}
