// escape.ts: the escapes ClickHouse documents for TabSeparated ("Escaped") and quoted values, checked
// directly, then every value kind round-tripped through chdb: an INSERT of what TsvWriter writes and a
// SELECT of hex() of what was stored; SQL literals through SELECT hex(<literal>).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isKtoError } from '@kto/core';
import { Session } from 'chdb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSqlIdentifier, MAX_UINT16, MAX_UINT32, MAX_UINT64, MAX_UINT8, sqlString, sqlUInt, TsvWriter } from './escape.js';

const text = (write: (w: TsvWriter) => void, initial?: number): string => {
  const w = new TsvWriter(initial);
  write(w);
  return w.finish().toString('latin1');
};

describe('TsvWriter output', () => {
  it('escapes \\ \\t \\n and the control bytes \\0 \\b \\f \\r in String fields; copies everything else', () => {
    expect(text((w) => w.string('a\\b\tc\nd\0e\bf\fg\rh\'i"j', 's'))).toBe('a\\\\b\\tc\\nd\\0e\\bf\\fg\\rh\'i"j');
    expect(text((w) => w.bytes(Uint8Array.of(0x00, 0x09, 0x0a, 0x5c, 0x80, 0xff, 0x41), 'b'))).toBe('\\0\\t\\n\\\\\x80\xffA');
  });

  it('writes strings as UTF-8 (escaping ASCII after non-ASCII too); a lone surrogate becomes U+FFFD', () => {
    const w = new TsvWriter();
    w.string('é\t🦀\n', 's');
    expect(w.finish().equals(Buffer.concat([Buffer.from('é', 'utf8'), Buffer.from('\\t'), Buffer.from('🦀', 'utf8'), Buffer.from('\\n')]))).toBe(true);
    const lone = new TsvWriter();
    lone.string('a\ud800b', 's');
    expect(lone.finish().toString('utf8')).toBe('a\ufffdb');
  });

  it('writes arrays in TSV array syntax with quoted, escaped strings', () => {
    expect(text((w) => w.uintArray([], MAX_UINT16, 'u'))).toBe('[]');
    expect(text((w) => w.uintArray([0, 7, 65_535], MAX_UINT16, 'u'))).toBe('[0,7,65535]');
    expect(text((w) => w.stringArray([], 's'))).toBe('[]');
    expect(text((w) => w.stringArray(["it's", 'a\\b', 'x\ty', ''], 's'))).toBe("['it\\'s','a\\\\b','x\\ty','']");
  });

  it('writes any safe integer in decimal, separators, and grows past its initial size', () => {
    fc.assert(
      fc.property(fc.array(fc.maxSafeNat(), { minLength: 1, maxLength: 50 }), (values) => {
        const got = text((w) => {
          values.forEach((v, i) => {
            if (i > 0) w.tab();
            w.uint(v, MAX_UINT64, 'n');
          });
          w.newline();
        }, 1);
        expect(got).toBe(`${values.map(String).join('\t')}\n`);
      }),
    );
  });

  it('refuses values that do not fit the column with KTO_ERR_STORE_BAD_VALUE naming column and row', () => {
    const w = new TsvWriter();
    w.row = 41;
    const bad: [() => void, RegExp][] = [
      [() => w.uint(256, MAX_UINT8, 'family'), /family of row 41.*0\.\.255/],
      [() => w.uint(-1, MAX_UINT32, 'asn'), /asn/],
      [() => w.uint(1.5, MAX_UINT32, 'rtt_us'), /rtt_us/],
      [() => w.uint(Number.NaN, MAX_UINT32, 'x'), /x/],
      [() => w.uint(2 ** 53, MAX_UINT64, 'seq'), /seq/],
      [() => w.uint('7' as unknown as number, MAX_UINT32, 'idx'), /idx/],
      [() => w.string(7 as unknown as string, 'zone'), /zone.*a string/],
      [() => w.bytes('ab' as unknown as Uint8Array, 'raw'), /raw.*Uint8Array/],
      [() => w.uintArray([1, 70_000], MAX_UINT16, 'ede_codes'), /ede_codes\[1\]/],
      [() => w.uintArray(null as unknown as number[], MAX_UINT16, 'ede_codes'), /ede_codes/],
      [() => w.stringArray(['a', 1 as unknown as string], 'ns_hosts'), /ns_hosts\[1\]/],
    ];
    for (const [fn, message] of bad) {
      let err: unknown;
      try {
        fn();
      } catch (e) {
        err = e;
      }
      expect(isKtoError(err, 'KTO_ERR_STORE_BAD_VALUE'), String(err)).toBe(true);
      expect((err as Error).message).toMatch(message);
    }
  });
});

describe('SQL literals', () => {
  it('quote and escape strings; refuse non-integers; recognise plain identifiers', () => {
    expect(sqlString("it's a \\ \n")).toBe("'it\\'s a \\\\ \\n'");
    let notString: unknown;
    try {
      sqlString(undefined as unknown as string);
    } catch (e) {
      notString = e;
    }
    expect(isKtoError(notString, 'KTO_ERR_STORE_BAD_VALUE')).toBe(true);
    expect(sqlUInt(0, 'n')).toBe('0');
    expect(sqlUInt(Number.MAX_SAFE_INTEGER, 'n')).toBe('9007199254740991');
    for (const v of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(() => sqlUInt(v, 'fromMs')).toThrow(/fromMs/);
    }
    expect(isSqlIdentifier('kto')).toBe(true);
    expect(isSqlIdentifier('_kto_test_1')).toBe(true);
    for (const bad of ['', '1kto', 'kto-test', 'kto.x', 'a b', '`kto`', 'é', 'x'.repeat(65)]) expect(isSqlIdentifier(bad)).toBe(false);
  });
});

describe('round trips through chdb', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kto-escape-'));
  let session: Session;
  beforeAll(async () => {
    session = new Session(dir);
    await session.queryAsync('CREATE DATABASE IF NOT EXISTS escape_test');
    await session.queryAsync(
      'CREATE TABLE escape_test.t (k UInt32, b String, s String, a Array(String), u Array(UInt32), n UInt64) ' +
        'ENGINE = MergeTree ORDER BY k',
    );
  });
  afterAll(() => {
    session.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const special = fc.constantFrom('\\', '\t', '\n', '\r', '\0', '\b', '\f', "'", '"', '[', ']', ',', '\u00e9', '\u{1f980}');
  const str = fc.string({ unit: fc.oneof(special, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength: 40 });
  const row = fc.record({
    b: fc.uint8Array({ maxLength: 300 }),
    s: str,
    a: fc.array(str, { maxLength: 5 }),
    u: fc.array(fc.integer({ min: 0, max: MAX_UINT32 }), { maxLength: 5 }),
    n: fc.maxSafeNat(),
  });

  it('any bytes, strings, arrays and integers come back exactly', async () => {
    let key = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 20 }), async (rows) => {
        const first = key + 1;
        const w = new TsvWriter(16);
        for (const r of rows) {
          w.uint(++key, MAX_UINT32, 'k'); w.tab();
          w.bytes(r.b, 'b'); w.tab();
          w.string(r.s, 's'); w.tab();
          w.stringArray(r.a, 'a'); w.tab();
          w.uintArray(r.u, MAX_UINT32, 'u'); w.tab();
          w.uint(r.n, MAX_UINT64, 'n');
          w.newline();
        }
        await session.insert({ table: 'escape_test.t', values: w.finish(), format: 'TSV', columns: ['k', 'b', 's', 'a', 'u', 'n'] });
        const res = await session.queryAsync(
          `SELECT hex(b) AS b, hex(s) AS s, arrayMap(x -> hex(x), a) AS a, u, toString(n) AS n FROM escape_test.t ` +
            `WHERE k >= ${first} ORDER BY k`,
          { format: 'JSONEachRow' },
        );
        const got = res.text().trim().split('\n').map((l) => JSON.parse(l) as { b: string; s: string; a: string[]; u: number[]; n: string });
        expect(got).toEqual(rows.map((r) => ({
          b: Buffer.from(r.b).toString('hex').toUpperCase(),
          s: Buffer.from(r.s, 'utf8').toString('hex').toUpperCase(),
          a: r.a.map((x) => Buffer.from(x, 'utf8').toString('hex').toUpperCase()),
          u: r.u,
          n: String(r.n),
        })));
      }),
      { numRuns: 60 },
    );
  });

  it('all 256 byte values in one String field', async () => {
    const all = new Uint8Array(256).map((_, i) => i);
    const w = new TsvWriter();
    w.uint(1_000_000, MAX_UINT32, 'k'); w.tab(); w.bytes(all, 'b'); w.newline();
    await session.insert({ table: 'escape_test.t', values: w.finish(), format: 'TSV', columns: ['k', 'b'] });
    const res = await session.queryAsync('SELECT hex(b) AS b FROM escape_test.t WHERE k = 1000000', { format: 'JSONEachRow' });
    expect((JSON.parse(res.text()) as { b: string }).b).toBe(Buffer.from(all).toString('hex').toUpperCase());
  });

  it('any string literal selects back as the same UTF-8 bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(str, { minLength: 1, maxLength: 10 }), async (values) => {
        const list = values.map((v, i) => `hex(${sqlString(v)}) AS h${i}`).join(', ');
        const res = await session.queryAsync(`SELECT ${list}`, { format: 'JSONEachRow' });
        const got = JSON.parse(res.text()) as Record<string, string>;
        expect(values.map((_, i) => got[`h${i}`])).toEqual(values.map((v) => Buffer.from(v, 'utf8').toString('hex').toUpperCase()));
      }),
      { numRuns: 60 },
    );
  });
});
