// The shape of a scripted key timeline the generator reads: structurally the lab's Scenario and
// LabState (packages/lab/src/scenario/types.ts, timeline.ts), restated here so that the analyzer's
// source does not import @kto/lab — tests pass `{ ...scenario, stateAt: (t) => stateAt(scenario, t) }`.

export interface WorldKey {
  id: string;
  role: 'KSK' | 'ZSK' | 'CSK';
  algorithm: number;
  bits?: number;
}

export interface WorldProviderState {
  provider: string;
  dnskeys: readonly { key: string; revoked: boolean }[];
  signers: readonly { key: string; dnskey: boolean; zone: boolean }[];
  cds: { keys: readonly string[] } | 'delete' | null;
}

export interface WorldState {
  stepsApplied: number;
  providers: readonly WorldProviderState[];
  ns: readonly string[];
  csync: boolean;
  resigning: boolean;
  resigningStoppedAt: number | undefined;
  validity: { seconds: number; since: number };
  parent: { ds: readonly { key: string; digestType: number }[]; ns: readonly string[]; version: number };
}

export interface World {
  /** Zone label; the zone is `${label}.kto-lab.` */
  label: string;
  keys: readonly WorldKey[];
  ttl: { dnskey: number; zone: number; ds: number };
  duration: number;
  stateAt(t: number): WorldState;
}
