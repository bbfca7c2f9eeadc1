// Augments @types/dns-packet with the per-type codecs dns-packet exports and tests use.
export {};

declare module 'dns-packet' {
  interface RecordCodec {
    encode(data: unknown, buf?: Uint8Array, offset?: number): Uint8Array;
    decode(buf: Uint8Array, offset?: number): unknown;
    encodingLength(data: unknown): number;
  }
  export const record: (type: string) => RecordCodec;
  export const nsec: RecordCodec;
}
