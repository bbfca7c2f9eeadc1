// The KTO wire protocol (package kto.v1), re-exported from the committed generated code.
import './configure.js';
import { kto } from '../gen/kto.js';

export const v1 = kto.v1;
export type { kto };

export const {
  Observation, BatchBody, SignedBatch, Ack, AckStatus, Hello, Welcome, ZoneAssignment, ZoneSpec,
  AgentMessage, CollectorMessage, ErrorMessage, Vantage, VantageKind, Transport, QueryStatus,
  SigCheck, Location, Record, Rrsig, DnskeyData, DsData, SoaData, NsData, CsyncData, ExtendedError,
} = kto.v1;

export type IObservation = kto.v1.IObservation;
export type IBatchBody = kto.v1.IBatchBody;
export type ISignedBatch = kto.v1.ISignedBatch;
export type IAck = kto.v1.IAck;
export type IHello = kto.v1.IHello;
export type IWelcome = kto.v1.IWelcome;
export type IZoneAssignment = kto.v1.IZoneAssignment;
export type IZoneSpec = kto.v1.IZoneSpec;
export type IAgentMessage = kto.v1.IAgentMessage;
export type ICollectorMessage = kto.v1.ICollectorMessage;
export type IVantage = kto.v1.IVantage;
export type ILocation = kto.v1.ILocation;
export type IRecord = kto.v1.IRecord;
export type IRrsig = kto.v1.IRrsig;
export type IExtendedError = kto.v1.IExtendedError;

/** The message signed by an agent's Hello (see proto/kto/v1/batch.proto). */
export function helloSigningInput(agentId: string, timeMs: number): Uint8Array {
  return new TextEncoder().encode(`kto-hello-v1\n${agentId}\n${timeMs}`);
}
