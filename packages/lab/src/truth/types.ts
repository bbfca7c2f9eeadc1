// The ground truth of a lab scenario (ARCHITECTURE.md §4, §6): what an observatory watching the scenario
// must find. Everything here is derived from the scenario's steps by truthOf(); JSON-serialisable
// (no Infinity: a time that never comes is null), this is what `kto-lab truth NAME` prints.

import type { ExpectedFinding, KeyRole, LabAlgorithm, Procedure, SignScope } from '../scenario/types.js';

/** One period in which something holds: [from, to) in lab seconds; to = null: until the end. */
export interface Period {
  from: number;
  to: number | null;
}

/** Per key: when it is published, signs, has a DS, is revoked (ARCHITECTURE.md §4, per provider merged:
 *  the first/last time at ANY provider). Times are lab seconds; null = never (or: never ends). */
export interface KeyTruth {
  id: string;
  role: KeyRole;
  algorithm: LabAlgorithm;
  provider: string | null;
  /** First time in the apex DNSKEY RRset at some provider / last moment there (null: stays). */
  t_pub: number | null;
  t_unpub: number | null;
  /** First / last signing, per scope: 'zone' data, 'dnskey' = the DNSKEY RRset. */
  t_sign: Partial<Record<Exclude<SignScope, 'all'>, number>>;
  t_unsign: Partial<Record<Exclude<SignScope, 'all'>, number | null>>;
  /** The parent DS RRset holds a DS for this key (registration delay or CDS scan applied). */
  t_ds: number | null;
  t_ds_gone: number | null;
  /** RFC 5011: first time published with the REVOKE bit. */
  t_revoke: number | null;
  /** Every period of publication, per provider (a key can come and go). */
  published: Record<string, Period[]>;
  signingZone: Record<string, Period[]>;
  signingDnskey: Record<string, Period[]>;
  ds: Period[];
}

/** One transition: the signing keys of a role change from keysOut to keysIn (n -> m). */
export interface TransitionTruth {
  role: 'ZSK' | 'KSK';
  keysOut: string[];
  keysIn: string[];
  algorithmsOut: number[];
  algorithmsIn: number[];
  /** Lab time of the first event of the transition (a new key published or signing) and of the last. */
  start: number;
  end: number;
  /** t_sign(new) - t_pub(new), per incoming key (negative: signed before it was published). */
  prePublish: Record<string, number | null>;
  /** Time during which old and new keys both sign this role (0: none). */
  doubleSign: number;
  /** t_unpub(old) - t_unsign(old), per outgoing key (negative: removed while still signing). */
  postRetire: Record<string, number | null>;
  /** KSK/CSK: t_ds(new) - t_pub(new) per incoming key (null: no DS). */
  dsLag: Record<string, number | null>;
}

/** The RFC 7583 intervals for this scenario's TTLs and the lab's Dprp/Dsgn, and whether the scenario
 *  keeps each (a wait is respected when the rule that needs it is never broken). */
export interface WaitTruth {
  name: 'Ipub' | 'Iret' | 'IretDoubleSignature' | 'IpubC' | 'IpubP' | 'IretC' | 'IretP';
  /** The formula, e.g. 'Dprp + TTLkey'. */
  formula: string;
  seconds: number;
  reference: string;
  /** The rule (finding code) that breaking this wait causes. */
  rule: string;
  respected: boolean;
}

/** A rule of the key timeline that the scenario breaks, with the first moment it is broken and the
 *  interval in which a validating resolver can fail because of it. */
export interface Violation {
  code: string;
  keys: string[];
  /** First lab time of the offending state (e.g. the early signatures, the removal). */
  at: number;
  /** When a validator can fail through it: [from, to]; to = null: as long as the final state lasts. */
  failurePossible: { from: number; to: number | null };
  detail: string;
}

export interface GroundTruth {
  name: string;
  kind: 'conformant' | 'broken';
  procedure: Procedure;
  zone: string;
  references: string[];
  duration: number;
  ttl: { dnskey: number; zone: number; ds: number };
  /** The lab's scenario-independent delays (lab seconds). */
  constants: { Dprp: number; Dsgn: number };
  /** Parent registration delay (Dreg) or CDS scan interval. */
  parent: { mode: 'registration' | 'cds-scan'; Dreg: number };
  providers: string[];
  keys: KeyTruth[];
  transitions: TransitionTruth[];
  waits: WaitTruth[];
  violations: Violation[];
  expectedFindings: ExpectedFinding[];
  expectedValidationFailure: { from: number; to: number } | null;
}
