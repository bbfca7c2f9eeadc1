// A small master-file (zone file) parser (RFC 1035 §5, RFC 3597 §5 generic RDATA, RFC 2308 $TTL)
// sufficient for the real data KTO tests against: one-line and parenthesised multi-line records,
// comments, $ORIGIN/$TTL, relative names and "@", omitted owner/TTL/class, TYPEnnn/CLASSnnn,
// quoted strings, base64/hex/base32hex fields, and the `\#` generic RDATA form for any type.
//
// RDATA comes out in uncompressed wire form with names in the case they were written (canonical
// lower-casing is canonical.ts's job, since NSEC next names keep their case: RFC 6840 §5.1).
// Types without an RDATA parser here (and not written in `\#` form) are returned in `skipped`.

import { KtoError } from './errors.js';
import { nameFromWire, normalizeName, presentationToWire } from './names.js';
import { encodeTypeBitmap } from './rdata.js';
import { base32HexDecode, base64Decode, hexDecode } from './text-encoding.js';
import { algorithmFromName, classFromName, typeFromName } from './types.js';

export interface ZoneRecord {
  /** Owner, canonical form. */
  name: string;
  type: number;
  klass: number;
  ttl: number;
  /** RDATA in wire form (uncompressed; names as written). */
  rdata: Uint8Array;
  /** 1-based line where the record starts. */
  line: number;
}

export interface SkippedRecord {
  name: string;
  /** The type as written ("WKS", "TYPE46", ...). */
  type: string;
  line: number;
  reason: string;
}

export interface ZoneParseResult {
  records: ZoneRecord[];
  skipped: SkippedRecord[];
  /** $ORIGIN in effect at the end, canonical. */
  origin: string;
}

export interface ZoneParseOptions {
  /** Origin for relative names until a $ORIGIN (default: the root). */
  origin?: string;
  /** TTL for records before any $TTL or explicit TTL. */
  defaultTtl?: number;
}

const SYNTAX = 'KTO_ERR_CORE_ZONE_SYNTAX';

interface Entry {
  line: number;
  /** The entry began with blank space: the owner is the previous one (RFC 1035 §5.1). */
  inheritOwner: boolean;
  tokens: string[];
  /** Indexes of tokens that were quoted. */
  quoted: Set<number> | null;
}

function syntax(line: number, msg: string): KtoError {
  return new KtoError(SYNTAX, `line ${line}: ${msg}`, { line });
}

/** Splits master-file text into entries (logical lines) of tokens. */
function tokenize(text: string): Entry[] {
  const entries: Entry[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  let depth = 0;
  let tokens: string[] = [];
  let quoted: Set<number> | null = null;
  let entryLine = 1;
  let inheritOwner = false;
  let atLineStart = true;
  let parenLine = 0;
  const flush = () => {
    if (tokens.length > 0) entries.push({ line: entryLine, inheritOwner, tokens, quoted });
    tokens = [];
    quoted = null;
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      line++;
      i++;
      if (depth === 0) {
        flush();
        atLineStart = true;
      }
      continue;
    }
    if (atLineStart) {
      atLineStart = false;
      entryLine = line;
      inheritOwner = c === 0x20 || c === 0x09;
    }
    if (c === 0x20 || c === 0x09 || c === 0x0d) {
      i++;
      continue;
    }
    if (c === 0x3b) {
      // ';' comment to the end of the line
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? n : nl;
      continue;
    }
    if (c === 0x28) {
      if (depth === 0) parenLine = line;
      depth++;
      i++;
      continue;
    }
    if (c === 0x29) {
      if (depth === 0) throw syntax(line, 'unbalanced ")"');
      depth--;
      i++;
      continue;
    }
    if (c === 0x22) {
      // quoted string; escapes kept raw for the field parser
      const start = i + 1;
      let j = start;
      for (;;) {
        if (j >= n) throw syntax(line, 'unterminated quoted string');
        const d = text.charCodeAt(j);
        if (d === 0x5c) {
          j += 2;
          continue;
        }
        if (d === 0x22) break;
        if (d === 0x0a) throw syntax(line, 'newline inside a quoted string');
        j++;
      }
      if (quoted === null) quoted = new Set();
      quoted.add(tokens.length);
      tokens.push(text.slice(start, j));
      i = j + 1;
      continue;
    }
    const start = i;
    while (i < n) {
      const d = text.charCodeAt(i);
      if (d === 0x5c) {
        i += 2;
        continue;
      }
      if (d === 0x20 || d === 0x09 || d === 0x0a || d === 0x0d || d === 0x3b || d === 0x28 || d === 0x29 || d === 0x22) break;
      i++;
    }
    tokens.push(text.slice(start, Math.min(i, n)));
  }
  if (depth > 0) throw syntax(parenLine, 'unbalanced "(" never closed');
  flush();
  return entries;
}

const TTL_RE = /^(?:\d+[wdhms]?)+$/i;

/** TTL or time value: decimal seconds or BIND units (1w2d3h4m5s). Null when not a TTL. */
function parseTtl(text: string): number | null {
  if (!TTL_RE.test(text)) return null;
  if (/^\d+$/.test(text)) {
    const v = Number(text);
    return v <= 0xffffffff ? v : null;
  }
  let total = 0;
  const re = /(\d+)([wdhms]?)/gi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const unit = (m[2] ?? '').toLowerCase();
    const mult = unit === 'w' ? 604800 : unit === 'd' ? 86400 : unit === 'h' ? 3600 : unit === 'm' ? 60 : 1;
    total += Number(m[1]) * mult;
  }
  return total <= 0xffffffff ? total : null;
}

function isClassToken(t: string): boolean {
  const u = t.toUpperCase();
  return u === 'IN' || u === 'CH' || u === 'HS' || /^CLASS\d{1,5}$/.test(u);
}

/**
 * Parses master-file text. Syntax errors throw KTO_ERR_CORE_ZONE_SYNTAX with the line number;
 * records of types this parser has no RDATA syntax for are returned in `skipped`.
 */
export function parseZoneText(text: string, options: ZoneParseOptions = {}): ZoneParseResult {
  if (typeof text !== 'string') throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT', 'parseZoneText needs a string');
  let originText = normalizeName(options.origin ?? '.');
  let origin = presentationToWire(originText, null, false);
  let defaultTtl: number | null = options.defaultTtl ?? null;
  let lastTtl: number | null = null;
  let lastOwner: string | null = null;
  let lastClass = 1;
  const records: ZoneRecord[] = [];
  const skipped: SkippedRecord[] = [];

  for (const e of tokenize(text)) {
    const t = e.tokens;
    const first = t[0] as string;
    if (!e.inheritOwner && first.startsWith('$')) {
      const dir = first.toUpperCase();
      if (dir === '$ORIGIN') {
        if (t.length !== 2) throw syntax(e.line, '$ORIGIN needs one name');
        origin = wireName(t[1] as string, origin, e.line, false);
        originText = wireText(origin);
      } else if (dir === '$TTL') {
        const v = t.length === 2 ? parseTtl(t[1] as string) : null;
        if (v === null) throw syntax(e.line, '$TTL needs one TTL value');
        defaultTtl = v;
      } else {
        throw syntax(e.line, `directive ${first} is not supported`);
      }
      continue;
    }
    let k = 0;
    let owner: string;
    if (e.inheritOwner) {
      if (lastOwner === null) throw syntax(e.line, 'record without an owner and no previous owner');
      owner = lastOwner;
    } else {
      owner = wireText(wireName(first, origin, e.line, true));
      k = 1;
    }
    let ttl: number | null = null;
    let klass: number | null = null;
    for (let f = 0; f < 2 && k < t.length; f++) {
      const tok = t[k] as string;
      if (ttl === null && /^\d/.test(tok)) {
        const v = parseTtl(tok);
        if (v === null) throw syntax(e.line, `bad TTL ${JSON.stringify(tok)}`);
        ttl = v;
        k++;
      } else if (klass === null && isClassToken(tok)) {
        klass = classFromName(tok);
        k++;
      } else {
        break;
      }
    }
    if (k >= t.length) throw syntax(e.line, 'record without a type');
    const typeText = t[k] as string;
    k++;
    if (ttl === null) ttl = defaultTtl ?? lastTtl;
    if (ttl === null) throw syntax(e.line, 'no TTL given and no $TTL before');
    lastTtl = ttl;
    klass ??= lastClass;
    lastClass = klass;
    lastOwner = owner;

    let type: number;
    try {
      type = typeFromName(typeText);
    } catch {
      skipped.push({ name: owner, type: typeText, line: e.line, reason: 'unknown type mnemonic' });
      continue;
    }
    const fields = new Fields(t, k, e, origin);
    let rdata: Uint8Array | null;
    if (fields.peek() === '\\#' && !fields.isQuoted()) {
      rdata = parseGeneric(fields);
    } else {
      rdata = parseRdata(type, fields);
      if (rdata === null) {
        skipped.push({ name: owner, type: typeText, line: e.line, reason: 'no RDATA parser for this type' });
        continue;
      }
    }
    if (rdata.length > 0xffff) throw syntax(e.line, `RDATA of ${rdata.length} octets is too long`);
    records.push({ name: owner, type, klass, ttl, rdata, line: e.line });
  }
  return { records, skipped, origin: originText };
}

function wireName(text: string, origin: Uint8Array, line: number, lower: boolean): Uint8Array {
  try {
    if (text === '@') return lower ? lowerWire(origin) : origin.slice();
    return presentationToWire(text, origin, lower);
  } catch (err) {
    if (err instanceof KtoError) throw syntax(line, err.message);
    throw err;
  }
}

function lowerWire(w: Uint8Array): Uint8Array {
  const out = w.slice();
  let p = 0;
  while (p < out.length && out[p] !== 0) {
    const len = out[p] as number;
    for (let i = p + 1; i <= p + len; i++) {
      const b = out[i] as number;
      if (b >= 0x41 && b <= 0x5a) out[i] = b + 0x20;
    }
    p += 1 + len;
  }
  return out;
}

function wireText(w: Uint8Array): string {
  return nameFromWire(w, 0);
}

/** Cursor over the RDATA tokens of one entry. */
class Fields {
  constructor(
    private readonly tokens: string[],
    private pos: number,
    private readonly entry: Entry,
    readonly origin: Uint8Array,
  ) {}

  get line(): number {
    return this.entry.line;
  }

  peek(): string | undefined {
    return this.tokens[this.pos];
  }

  left(): number {
    return this.tokens.length - this.pos;
  }

  isQuoted(): boolean {
    return this.entry.quoted !== null && this.entry.quoted.has(this.pos);
  }

  next(what: string): string {
    const t = this.tokens[this.pos];
    if (t === undefined) throw syntax(this.line, `missing ${what}`);
    this.pos++;
    return t;
  }

  /** The remaining tokens joined (base64 / hex split over several tokens). */
  rest(what: string, allowEmpty = false): string {
    if (this.pos >= this.tokens.length && !allowEmpty) throw syntax(this.line, `missing ${what}`);
    const s = this.tokens.slice(this.pos).join('');
    this.pos = this.tokens.length;
    return s;
  }

  uint(what: string, max: number): number {
    const t = this.next(what);
    if (!/^\d+$/.test(t)) throw syntax(this.line, `${what} must be a decimal number, got ${JSON.stringify(t)}`);
    const v = Number(t);
    if (v > max) throw syntax(this.line, `${what} ${v} is above ${max}`);
    return v;
  }

  time(what: string): number {
    const t = this.next(what);
    const v = parseTtl(t);
    if (v === null) throw syntax(this.line, `bad ${what} ${JSON.stringify(t)}`);
    return v;
  }

  name(what: string): Uint8Array {
    return wireName(this.next(what), this.origin, this.line, false);
  }

  type(what: string): number {
    const t = this.next(what);
    try {
      return typeFromName(t);
    } catch {
      throw syntax(this.line, `unknown type ${JSON.stringify(t)} in ${what}`);
    }
  }

  algorithm(): number {
    const t = this.next('algorithm');
    try {
      return algorithmFromName(t);
    } catch {
      throw syntax(this.line, `unknown algorithm ${JSON.stringify(t)}`);
    }
  }

  end(): void {
    if (this.pos < this.tokens.length) {
      throw syntax(this.line, `unexpected ${JSON.stringify(this.tokens[this.pos])} after the RDATA`);
    }
  }
}

class Writer {
  private buf = new Uint8Array(256);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.length));
    this.buf = b;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.length++] = v;
  }

  u16(v: number): void {
    this.room(2);
    this.buf[this.length++] = v >>> 8;
    this.buf[this.length++] = v & 0xff;
  }

  u32(v: number): void {
    this.room(4);
    this.buf[this.length++] = v >>> 24;
    this.buf[this.length++] = (v >>> 16) & 0xff;
    this.buf[this.length++] = (v >>> 8) & 0xff;
    this.buf[this.length++] = v & 0xff;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  done(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function parseGeneric(f: Fields): Uint8Array {
  f.next('\\#');
  const len = f.uint('generic RDATA length', 0xffff);
  const hex = f.rest('generic RDATA', true);
  const data = hexDecode(hex);
  if (data === null) throw syntax(f.line, 'generic RDATA is not hex');
  if (data.length !== len) throw syntax(f.line, `generic RDATA has ${data.length} octets, the length says ${len}`);
  return data;
}

function base64Field(f: Fields, what: string, allowEmpty = false): Uint8Array {
  const s = f.rest(what, allowEmpty);
  const b = base64Decode(s);
  if (b === null) throw syntax(f.line, `${what} is not valid base64`);
  return b;
}

function hexField(f: Fields, what: string): Uint8Array {
  const s = f.rest(what);
  const b = hexDecode(s);
  if (b === null) throw syntax(f.line, `${what} is not valid hex`);
  return b;
}

function saltField(f: Fields): Uint8Array {
  const s = f.next('salt');
  if (s === '-') return new Uint8Array(0);
  const b = hexDecode(s);
  if (b === null || b.length > 255) throw syntax(f.line, `bad salt ${JSON.stringify(s)}`);
  return b;
}

function typeList(f: Fields, what: string): number[] {
  const types: number[] = [];
  while (f.left() > 0) types.push(f.type(what));
  return types;
}

/** RRSIG expiration/inception: YYYYMMDDHHmmSS (UTC) or decimal seconds (RFC 4034 §3.2). */
function sigTime(f: Fields, what: string): number {
  const t = f.next(what);
  if (/^\d{14}$/.test(t)) {
    const ms = Date.UTC(+t.slice(0, 4), +t.slice(4, 6) - 1, +t.slice(6, 8), +t.slice(8, 10), +t.slice(10, 12), +t.slice(12, 14));
    const d = new Date(ms);
    if (Number.isNaN(ms) || d.getUTCMonth() !== +t.slice(4, 6) - 1 || d.getUTCDate() !== +t.slice(6, 8)) {
      throw syntax(f.line, `bad ${what} ${t}`);
    }
    return (ms / 1000) % 2 ** 32;
  }
  if (/^\d{1,10}$/.test(t) && Number(t) <= 0xffffffff) return Number(t);
  throw syntax(f.line, `bad ${what} ${JSON.stringify(t)}`);
}

function ipv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string;
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    out[i] = Number(p);
  }
  return out;
}

function ipv6(text: string): Uint8Array | null {
  const out = new Uint8Array(16);
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string): number[] | null => {
    if (s === '') return [];
    const words: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] as string;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = ipv4(p);
        if (v4 === null) return null;
        words.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
        words.push(parseInt(p, 16));
      }
    }
    return words;
  };
  const head = groups(halves[0] as string);
  const tail = halves.length === 2 ? groups(halves[1] as string) : [];
  if (head === null || tail === null) return null;
  if (halves.length === 1 ? head.length !== 8 : head.length + tail.length > 7) return null;
  const words = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  for (let i = 0; i < 8; i++) {
    out[2 * i] = (words[i] as number) >>> 8;
    out[2 * i + 1] = (words[i] as number) & 0xff;
  }
  return out;
}

const utf8 = new TextEncoder();

/** A <character-string> with \DDD and \X escapes, at most 255 octets. */
function charString(f: Fields, what: string): Uint8Array {
  const t = f.next(what);
  const out: number[] = [];
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 0x5c) {
      const d1 = t.charCodeAt(i + 1);
      if (Number.isNaN(d1)) throw syntax(f.line, `dangling backslash in ${what}`);
      if (d1 >= 0x30 && d1 <= 0x39) {
        const ddd = t.slice(i + 1, i + 4);
        if (!/^\d{3}$/.test(ddd) || Number(ddd) > 255) throw syntax(f.line, `bad \\DDD escape in ${what}`);
        out.push(Number(ddd));
        i += 3;
      } else {
        out.push(...utf8.encode(t[i + 1] as string));
        i += 1;
      }
    } else if (c < 0x80) {
      out.push(c);
    } else {
      const cp = t.codePointAt(i) as number;
      const ch = String.fromCodePoint(cp);
      out.push(...utf8.encode(ch));
      i += ch.length - 1;
    }
  }
  if (out.length > 255) throw syntax(f.line, `${what} is ${out.length} octets, at most 255`);
  return Uint8Array.from([out.length, ...out]);
}

/** RDATA of `type` from its presentation fields, or null when this parser has no syntax for it. */
function parseRdata(type: number, f: Fields): Uint8Array | null {
  const w = new Writer();
  switch (type) {
    case 1: { // A
      const a = ipv4(f.next('IPv4 address'));
      if (a === null) throw syntax(f.line, 'bad IPv4 address');
      w.bytes(a);
      break;
    }
    case 28: { // AAAA
      const a = ipv6(f.next('IPv6 address'));
      if (a === null) throw syntax(f.line, 'bad IPv6 address');
      w.bytes(a);
      break;
    }
    case 2: // NS
    case 5: // CNAME
    case 12: // PTR
    case 39: // DNAME
      w.bytes(f.name('target name'));
      break;
    case 15: // MX
      w.u16(f.uint('preference', 0xffff));
      w.bytes(f.name('exchange'));
      break;
    case 33: // SRV
      w.u16(f.uint('priority', 0xffff));
      w.u16(f.uint('weight', 0xffff));
      w.u16(f.uint('port', 0xffff));
      w.bytes(f.name('target'));
      break;
    case 6: // SOA
      w.bytes(f.name('MNAME'));
      w.bytes(f.name('RNAME'));
      w.u32(f.uint('serial', 0xffffffff));
      w.u32(f.time('refresh'));
      w.u32(f.time('retry'));
      w.u32(f.time('expire'));
      w.u32(f.time('minimum'));
      break;
    case 35: // NAPTR (RFC 3403 §4.1)
      w.u16(f.uint('order', 0xffff));
      w.u16(f.uint('preference', 0xffff));
      w.bytes(charString(f, 'flags'));
      w.bytes(charString(f, 'services'));
      w.bytes(charString(f, 'regexp'));
      w.bytes(f.name('replacement'));
      break;
    case 13: // HINFO
      w.bytes(charString(f, 'CPU'));
      w.bytes(charString(f, 'OS'));
      break;
    case 16: // TXT
    case 99: // SPF
      if (f.left() === 0) throw syntax(f.line, 'TXT needs at least one string');
      while (f.left() > 0) w.bytes(charString(f, 'TXT string'));
      break;
    case 43: // DS
    case 59: // CDS
    case 32769: // DLV
      w.u16(f.uint('key tag', 0xffff));
      w.u8(f.algorithm());
      w.u8(f.uint('digest type', 0xff));
      w.bytes(hexField(f, 'digest'));
      break;
    case 48: // DNSKEY
    case 60: // CDNSKEY
      w.u16(f.uint('flags', 0xffff));
      w.u8(f.uint('protocol', 0xff));
      w.u8(f.algorithm());
      w.bytes(base64Field(f, 'public key'));
      break;
    case 46: { // RRSIG
      w.u16(f.type('type covered'));
      w.u8(f.algorithm());
      w.u8(f.uint('labels', 0xff));
      w.u32(f.time('original TTL'));
      w.u32(sigTime(f, 'signature expiration'));
      w.u32(sigTime(f, 'signature inception'));
      w.u16(f.uint('key tag', 0xffff));
      w.bytes(f.name('signer name'));
      w.bytes(base64Field(f, 'signature'));
      break;
    }
    case 47: // NSEC
      w.bytes(f.name('next domain name'));
      w.bytes(encodeTypeBitmap(typeList(f, 'type bitmap')));
      break;
    case 50: { // NSEC3
      w.u8(f.uint('hash algorithm', 0xff));
      w.u8(f.uint('flags', 0xff));
      w.u16(f.uint('iterations', 0xffff));
      const salt = saltField(f);
      w.u8(salt.length);
      w.bytes(salt);
      const nextText = f.next('next hashed owner name');
      const next = base32HexDecode(nextText);
      if (next === null || next.length === 0 || next.length > 255) throw syntax(f.line, `bad next hashed owner name ${JSON.stringify(nextText)}`);
      w.u8(next.length);
      w.bytes(next);
      w.bytes(encodeTypeBitmap(typeList(f, 'type bitmap')));
      break;
    }
    case 51: { // NSEC3PARAM
      w.u8(f.uint('hash algorithm', 0xff));
      w.u8(f.uint('flags', 0xff));
      w.u16(f.uint('iterations', 0xffff));
      const salt = saltField(f);
      w.u8(salt.length);
      w.bytes(salt);
      break;
    }
    case 62: // CSYNC
      w.u32(f.uint('SOA serial', 0xffffffff));
      w.u16(f.uint('flags', 0xffff));
      w.bytes(encodeTypeBitmap(typeList(f, 'type bitmap')));
      break;
    case 63: // ZONEMD (RFC 8976 §2.3)
      w.u32(f.uint('serial', 0xffffffff));
      w.u8(f.uint('scheme', 0xff));
      w.u8(f.uint('hash algorithm', 0xff));
      w.bytes(hexField(f, 'digest'));
      break;
    case 44: // SSHFP
      w.u8(f.uint('algorithm', 0xff));
      w.u8(f.uint('fingerprint type', 0xff));
      w.bytes(hexField(f, 'fingerprint'));
      break;
    case 52: // TLSA
    case 53: // SMIMEA
      w.u8(f.uint('usage', 0xff));
      w.u8(f.uint('selector', 0xff));
      w.u8(f.uint('matching type', 0xff));
      w.bytes(hexField(f, 'certificate association data'));
      break;
    default:
      return null;
  }
  f.end();
  return w.done();
}
