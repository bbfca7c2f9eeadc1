// Writing DNS responses (RFC 1035 §4.1): header, question, resource records. Owner names are
// compressed (§4.1.4) against the names written before; RDATA is written as given (uncompressed,
// which every reader accepts and DNSSEC types require, RFC 4034 §6.2).

export interface WireRecord {
  /** Uncompressed wire owner name (canonical). */
  nameWire: Uint8Array;
  type: number;
  ttl: number;
  rdata: Uint8Array;
}

/** Header flag bits (RFC 1035 §4.1.1, RFC 4035 §3.1.6). */
export const FLAG_QR = 0x8000;
export const FLAG_AA = 0x0400;
export const FLAG_TC = 0x0200;
export const FLAG_RD = 0x0100;
export const FLAG_CD = 0x0010;

export class WireWriter {
  buf: Uint8Array;
  length = 0;
  /** Offsets of name suffixes already written (key: the suffix's wire bytes as latin1 text). */
  readonly #names = new Map<string, number>();

  constructor(capacity = 512) {
    this.buf = new Uint8Array(capacity);
  }

  #ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u16(v: number): void {
    this.#ensure(2);
    this.buf[this.length++] = v >>> 8;
    this.buf[this.length++] = v & 0xff;
  }

  u32(v: number): void {
    this.#ensure(4);
    this.buf[this.length++] = v >>> 24;
    this.buf[this.length++] = (v >>> 16) & 0xff;
    this.buf[this.length++] = (v >>> 8) & 0xff;
    this.buf[this.length++] = v & 0xff;
  }

  bytes(b: Uint8Array): void {
    this.#ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** Writes a name, compressed against earlier names when `compress`, and remembers its suffixes. */
  name(wire: Uint8Array, compress = true): void {
    let p = 0;
    while (p < wire.length && wire[p] !== 0) {
      const key = Buffer.from(wire.buffer, wire.byteOffset + p, wire.length - p).toString('latin1');
      const at = compress ? this.#names.get(key) : undefined;
      if (at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      if (this.length < 0x4000 && !this.#names.has(key)) this.#names.set(key, this.length);
      const len = wire[p] as number;
      this.bytes(wire.subarray(p, p + 1 + len));
      p += 1 + len;
    }
    this.#ensure(1);
    this.buf[this.length++] = 0;
  }

  record(r: WireRecord): void {
    this.name(r.nameWire);
    this.u16(r.type);
    this.u16(1); // IN
    this.u32(r.ttl >>> 0);
    this.u16(r.rdata.length);
    this.bytes(r.rdata);
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
