// RDATA codecs in dns-packet's codec shape for the types dns-packet decodes only as raw bytes:
// CDS (59) and CDNSKEY (60) (RFC 7344 §3) and CSYNC (62) (RFC 7477 §2.1).
// Like dns-packet's own codecs, encode() writes RDLENGTH (2 octets) followed by the RDATA,
// decode(buf, offset) reads from the RDLENGTH field, encodingLength() counts both, and the last
// call's size is left in encode.bytes / decode.bytes.

import { KtoError } from './errors.js';
import { decodeCsync, decodeDnskey, decodeDs, encodeCsync, encodeDnskey, encodeDs } from './rdata.js';
import { typeFromName, typeName } from './types.js';

export interface PacketCodec<T> {
  encode: ((data: T, buf?: Uint8Array, offset?: number) => Uint8Array) & { bytes: number };
  decode: ((buf: Uint8Array, offset?: number) => T) & { bytes: number };
  encodingLength(data: T): number;
}

/** dns-packet's field names for DS, reused for CDS. */
export interface PacketDs {
  keyTag: number;
  algorithm: number;
  digestType: number;
  digest: Uint8Array;
}

/** dns-packet's field names for DNSKEY, reused for CDNSKEY; protocol defaults to 3 on encode. */
export interface PacketDnskey {
  flags: number;
  protocol?: number;
  algorithm: number;
  key: Uint8Array;
}

/** CSYNC in dns-packet style: types as mnemonics (numbers accepted on encode). */
export interface PacketCsync {
  serial: number;
  flags: number;
  rrtypes: (string | number)[];
}

function makeCodec<T>(
  what: string, toRdata: (data: T) => Uint8Array, fromRdata: (buf: Uint8Array, offset: number, length: number) => T,
): PacketCodec<T> {
  const encode = Object.assign((data: T, buf?: Uint8Array, offset = 0): Uint8Array => {
    const rdata = toRdata(data);
    const out = buf ?? new Uint8Array(rdata.length + 2);
    if (offset + 2 + rdata.length > out.length) {
      throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT', `${what} encode: ${rdata.length + 2} octets do not fit at offset ${offset}`);
    }
    out[offset] = rdata.length >>> 8;
    out[offset + 1] = rdata.length & 0xff;
    out.set(rdata, offset + 2);
    encode.bytes = rdata.length + 2;
    return out;
  }, { bytes: 0 });
  const decode = Object.assign((buf: Uint8Array, offset = 0): T => {
    if (offset + 2 > buf.length) {
      throw new KtoError('KTO_ERR_CORE_MALFORMED_RDATA', `${what} decode: RDLENGTH at offset ${offset} is past the end`);
    }
    const len = ((buf[offset] as number) << 8) | (buf[offset + 1] as number);
    if (offset + 2 + len > buf.length) {
      throw new KtoError('KTO_ERR_CORE_MALFORMED_RDATA', `${what} decode: RDATA of ${len} octets runs past the end`);
    }
    const value = fromRdata(buf, offset + 2, len);
    decode.bytes = len + 2;
    return value;
  }, { bytes: 0 });
  return { encode, decode, encodingLength: (data: T) => toRdata(data).length + 2 };
}

export const cdsCodec: PacketCodec<PacketDs> = makeCodec<PacketDs>(
  'CDS',
  (d) => encodeDs(d),
  (buf, off, len) => decodeDs(buf, off, len, 'CDS'),
);

export const cdnskeyCodec: PacketCodec<PacketDnskey> = makeCodec<PacketDnskey>(
  'CDNSKEY',
  (d) => encodeDnskey({ flags: d.flags, protocol: d.protocol ?? 3, algorithm: d.algorithm, publicKey: d.key }),
  (buf, off, len) => {
    const k = decodeDnskey(buf, off, len, 'CDNSKEY');
    return { flags: k.flags, protocol: k.protocol, algorithm: k.algorithm, key: k.publicKey };
  },
);

export const csyncCodec: PacketCodec<PacketCsync> = makeCodec<PacketCsync>(
  'CSYNC',
  (d) => encodeCsync({
    serial: d.serial, flags: d.flags,
    types: d.rrtypes.map((t) => (typeof t === 'number' ? t : typeFromName(t))),
  }),
  (buf, off, len) => {
    const c = decodeCsync(buf, off, len);
    return { serial: c.serial, flags: c.flags, rrtypes: c.types.map(typeName) };
  },
);
