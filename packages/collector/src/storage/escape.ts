// The one place where values become ClickHouse text: TabSeparated fields for inserts, SQL literals for
// the WHERE clauses of selects. ClickHouse 18.16 has no server-side query parameters, so every value that
// reaches a statement goes through these functions; both chdb (26.x) and 18.16 read what they write.
//
// TabSeparated (ClickHouse "Escaped" text): a String field is its bytes with \ \t \n and the control
// bytes \0 \b \f \r written as backslash escapes; every other byte, including non-UTF-8, is copied.
// An Array field is `[e1,e2]`: numbers in decimal, strings single-quoted with the "Quoted" escaping
// (the same escapes plus \'), which leaves no raw tab or newline inside the field.
// JS strings are stored as UTF-8; a lone surrogate (not valid UTF-16) is stored as U+FFFD.
import { KtoError } from '@kto/core';

export const MAX_UINT8 = 0xff;
export const MAX_UINT16 = 0xffff;
export const MAX_UINT32 = 0xffff_ffff;
/** UInt64 columns hold JS numbers: exact up to 2^53 - 1. */
export const MAX_UINT64 = Number.MAX_SAFE_INTEGER;

const BACKSLASH = 0x5c;
const QUOTE = 0x27;
const TAB = 0x09;
const NEWLINE = 0x0a;
const COMMA = 0x2c;
const MINUS = 0x2d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const DIGIT_0 = 0x30;

/** For each byte: the letter written after a backslash, or 0 when the byte is copied as is. */
function escapeTable(quoted: boolean): Uint8Array {
  const t = new Uint8Array(256);
  t[0x00] = 0x30; // \0
  t[0x08] = 0x62; // \b
  t[0x09] = 0x74; // \t
  t[0x0a] = 0x6e; // \n
  t[0x0c] = 0x66; // \f
  t[0x0d] = 0x72; // \r
  t[BACKSLASH] = BACKSLASH;
  if (quoted) t[QUOTE] = QUOTE;
  return t;
}
const TSV_ESCAPES = escapeTable(false);
const QUOTED_ESCAPES = escapeTable(true);

function badValue(column: string, row: number, expected: string, got: unknown): KtoError {
  const shown = typeof got === 'string' ? JSON.stringify(got.slice(0, 40)) : String(got);
  return new KtoError(
    'KTO_ERR_STORE_BAD_VALUE',
    `column ${column} of row ${row}: expected ${expected}, got ${typeof got} ${shown}`,
    { column, row },
  );
}

/**
 * Builds one TabSeparated payload in a single growing Buffer. Callers write the fields of a row in
 * column order with `tab()` between them and `newline()` after the last; values are checked against
 * their column's type (an integer in range, a string, an array) and a bad one throws
 * KTO_ERR_STORE_BAD_VALUE naming the column and `row`.
 */
export class TsvWriter {
  private buf: Buffer;
  private pos = 0;
  /** The row number reported in errors; the caller keeps it current. */
  row = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(64, initialBytes));
  }

  /** Makes room for `bytes` more bytes. */
  private reserve(bytes: number): void {
    const need = this.pos + bytes;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  tab(): void {
    this.reserve(1);
    this.buf[this.pos++] = TAB;
  }

  newline(): void {
    this.reserve(1);
    this.buf[this.pos++] = NEWLINE;
  }

  /** An unsigned integer column (UInt8 … UInt64) whose largest value is `max`. */
  uint(value: number, max: number, column: string): void {
    this.reserve(16);
    if (value >>> 0 === value && value <= max) {
      this.digits32(value);
    } else if (Number.isInteger(value) && value >= 0 && value <= max) {
      this.digits(value);
    } else {
      throw badValue(column, this.row, `an integer 0..${max}`, value);
    }
  }

  /** A signed integer column (Int64): any safe integer. */
  int(value: number, column: string): void {
    if (!Number.isSafeInteger(value)) throw badValue(column, this.row, 'a safe integer', value);
    this.reserve(24);
    if (value < 0) {
      this.buf[this.pos++] = MINUS;
      this.digits(-value);
    } else {
      this.digits(value);
    }
  }

  /** Decimal digits of an integer 0 ≤ value < 2^32; room is reserved by the caller. */
  private digits32(value: number): void {
    const b = this.buf;
    let v = value;
    const n = v < 10 ? 1 : v < 100 ? 2 : v < 1_000 ? 3 : v < 10_000 ? 4 : v < 100_000 ? 5 : v < 1_000_000 ? 6
      : v < 10_000_000 ? 7 : v < 100_000_000 ? 8 : v < 1_000_000_000 ? 9 : 10;
    let p = this.pos + n;
    this.pos = p;
    while (v >= 10) {
      const q = (v / 10) >>> 0;
      b[--p] = DIGIT_0 + v - q * 10;
      v = q;
    }
    b[p - 1] = DIGIT_0 + v;
  }

  /** Decimal digits of a safe integer ≥ 0: high part, then the low 8 digits zero-padded. */
  private digits(value: number): void {
    if (value < 0x1_0000_0000) {
      this.digits32(value);
      return;
    }
    const high = Math.floor(value / 100_000_000);
    let low = value - high * 100_000_000;
    this.digits32(high);
    const b = this.buf;
    let p = this.pos + 8;
    this.pos = p;
    for (let i = 0; i < 8; i++) {
      const q = (low / 10) >>> 0;
      b[--p] = DIGIT_0 + low - q * 10;
      low = q;
    }
  }

  /** A String column holding a JS string (written as UTF-8). */
  string(value: string, column: string): void {
    if (typeof value !== 'string') throw badValue(column, this.row, 'a string', value);
    this.text(value, TSV_ESCAPES);
  }

  /** A String column holding bytes, copied exactly. */
  bytes(value: Uint8Array, column: string): void {
    if (!(value instanceof Uint8Array)) throw badValue(column, this.row, 'a Uint8Array', value);
    this.reserve(2 * value.length);
    this.escapedBytes(value, TSV_ESCAPES);
  }

  /** An Array(UInt*) column. */
  uintArray(values: readonly number[], max: number, column: string): void {
    if (!Array.isArray(values)) throw badValue(column, this.row, 'an array of integers', values);
    const n = values.length;
    this.reserve(2 + 17 * n);
    const b = this.buf;
    b[this.pos++] = OPEN_BRACKET;
    for (let i = 0; i < n; i++) {
      const v = values[i] as number;
      if (i > 0) b[this.pos++] = COMMA;
      if (v >>> 0 === v && v <= max) {
        this.digits32(v);
      } else if (Number.isInteger(v) && v >= 0 && v <= max) {
        this.digits(v);
      } else {
        throw badValue(`${column}[${i}]`, this.row, `an integer 0..${max}`, v);
      }
    }
    b[this.pos++] = CLOSE_BRACKET;
  }

  /** An Array(String) column of JS strings. */
  stringArray(values: readonly string[], column: string): void {
    if (!Array.isArray(values)) throw badValue(column, this.row, 'an array of strings', values);
    const n = values.length;
    this.reserve(2);
    this.buf[this.pos++] = OPEN_BRACKET;
    for (let i = 0; i < n; i++) {
      const s = values[i];
      if (typeof s !== 'string') throw badValue(`${column}[${i}]`, this.row, 'a string', s);
      this.reserve(2);
      if (i > 0) this.buf[this.pos++] = COMMA;
      this.buf[this.pos++] = QUOTE;
      this.text(s, QUOTED_ESCAPES);
      this.reserve(1);
      this.buf[this.pos++] = QUOTE;
    }
    this.reserve(1);
    this.buf[this.pos++] = CLOSE_BRACKET;
  }

  /** The payload written so far (a view, not a copy). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  private text(s: string, table: Uint8Array): void {
    const n = s.length;
    this.reserve(2 * n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        // Non-ASCII: encode the rest as UTF-8 (bytes >= 0x80 are copied; ASCII in it is escaped).
        this.pos = p;
        const rest = Buffer.from(i === 0 ? s : s.slice(i), 'utf8');
        this.reserve(2 * rest.length);
        this.escapedBytes(rest, table);
        return;
      }
      const e = table[c] as number;
      if (e === 0) {
        b[p++] = c;
      } else {
        b[p++] = BACKSLASH;
        b[p++] = e;
      }
    }
    this.pos = p;
  }

  /** Copies bytes with escapes; room for 2 × length is reserved by the caller. */
  private escapedBytes(src: Uint8Array, table: Uint8Array): void {
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < src.length; i++) {
      const c = src[i] as number;
      const e = table[c] as number;
      if (e === 0) {
        b[p++] = c;
      } else {
        b[p++] = BACKSLASH;
        b[p++] = e;
      }
    }
    this.pos = p;
  }
}

const SQL_STRING_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\', "'": "\\'", '\0': '\\0', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r',
};

/** A String literal for SQL text: quoted, with \ ' and control characters escaped; any string is accepted. */
export function sqlString(value: string): string {
  if (typeof value !== 'string') {
    throw new KtoError('KTO_ERR_STORE_BAD_VALUE', `a SQL string literal needs a string, got ${typeof value} ${String(value)}`);
  }
  return `'${value.replace(/[\\'\0\b\t\n\f\r]/g, (c) => SQL_STRING_ESCAPES[c] as string)}'`;
}

/** An unsigned integer literal (a safe integer >= 0); `what` names the argument in the error. */
export function sqlUInt(value: number, what: string): string {
  if (!(Number.isSafeInteger(value) && value >= 0)) {
    throw new KtoError('KTO_ERR_STORE_BAD_VALUE', `${what}: expected an integer 0..2^53-1, got ${String(value)}`, {
      argument: what,
    });
  }
  return String(value);
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True for a name usable unquoted as a database or table name on every supported ClickHouse. */
export function isSqlIdentifier(name: string): boolean {
  return typeof name === 'string' && name.length <= 64 && IDENTIFIER.test(name);
}
