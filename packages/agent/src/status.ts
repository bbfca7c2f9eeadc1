// `kto-agent status`: what a state directory holds, read without starting an agent.
import { join } from 'node:path';
import { readAckRecord } from './ack-record.js';
import { SPOOL_DIR } from './agent.js';
import { KEY_FILE, loadIdentity, readEnrolment, ENROLMENT_FILE } from './identity.js';
import { readSeqFile, SEQ_FILE } from './seq.js';
import { summarizeSpool, type SpoolSummary } from './spool.js';

export interface StateStatus {
  readonly stateDir: string;
  /** Hex public key, or undefined when no key was made yet. */
  readonly publicKey: string | undefined;
  readonly keyWarning: string | undefined;
  readonly agentId: string | undefined;
  readonly collector: string | undefined;
  readonly location: { country: string; continent: string; asn: number } | undefined;
  readonly lastSeq: number;
  readonly lastAckedSeq: number;
  readonly spool: SpoolSummary;
}

export async function readStateStatus(stateDir: string): Promise<StateStatus> {
  const id = await loadIdentity(stateDir);
  const e = await readEnrolment(stateDir);
  return {
    stateDir,
    publicKey: id?.identity.publicKeyHex,
    keyWarning: id?.warning,
    agentId: e?.agentId,
    collector: e?.collector,
    location: e === undefined ? undefined : { country: e.country, continent: e.continent, asn: e.asn },
    lastSeq: await readSeqFile(join(stateDir, SEQ_FILE)),
    lastAckedSeq: await readAckRecord(stateDir),
    spool: await summarizeSpool(join(stateDir, SPOOL_DIR)),
  };
}

export function formatStateStatus(s: StateStatus): string {
  const lines = [
    `state dir:       ${s.stateDir}`,
    `key:             ${s.publicKey === undefined ? `none (${KEY_FILE} is made by \`kto-agent enroll\`)` : s.publicKey}`,
    `agent id:        ${s.agentId ?? `not enrolled (no ${ENROLMENT_FILE})`}`,
    `collector:       ${s.collector ?? '-'}`,
    `location:        ${s.location === undefined ? '-' : `${s.location.country} ${s.location.continent}${s.location.asn ? ` AS${s.location.asn}` : ''}`}`,
    `last seq:        ${s.lastSeq}`,
    `last acked seq:  ${s.lastAckedSeq}`,
    `spool:           ${s.spool.batches} batches, ${s.spool.bytes} bytes${s.spool.batches > 0 ? ` (seq ${s.spool.firstSeq}..${s.spool.lastSeq})` : ''}`,
    `rejected:        ${s.spool.rejected} batches in spool/rejected/`,
  ];
  if (s.keyWarning !== undefined) lines.push(`warning:         ${s.keyWarning}`);
  return `${lines.join('\n')}\n`;
}
