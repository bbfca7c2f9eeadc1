import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import vectors from '../test-vectors/rfc4034-canonical-name-order.json' with { type: 'json' };
import { isKtoError } from './errors.js';
import {
  compareNames, isSubdomain, isValidName, labelCount, nameFromWire, nameToWire, normalizeName, parentName,
  presentationToWire, readNameAt,
} from './names.js';

function badName(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(isKtoError(err, 'KTO_ERR_CORE_BAD_NAME')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected KTO_ERR_CORE_BAD_NAME');
}

/** Arbitrary wire-form label: 1..63 octets. */
const label = fc.uint8Array({ minLength: 1, maxLength: 63 });
/** Arbitrary absolute wire name of at most 255 octets. */
const wireName = fc.array(label, { maxLength: 8 }).map((labels) => {
  const out: number[] = [];
  for (const l of labels) {
    if (out.length + l.length + 2 > 255) break;
    out.push(l.length, ...l);
  }
  out.push(0);
  return Uint8Array.from(out);
});

describe('normalizeName', () => {
  it('lower-cases, makes absolute and keeps the root as "."', () => {
    expect(normalizeName('WWW.Example.COM')).toBe('www.example.com.');
    expect(normalizeName('www.example.com.')).toBe('www.example.com.');
    expect(normalizeName('.')).toBe('.');
    expect(normalizeName('*.Example')).toBe('*.example.');
  });

  it('decodes \\DDD and \\X escapes and re-escapes canonically', () => {
    // \065 is "A": lower-cased like a literal A
    expect(normalizeName('\\065bc.example')).toBe('abc.example.');
    // an escaped dot stays inside its label
    expect(normalizeName('a\\.b.example.')).toBe('a\\.b.example.');
    expect(nameToWire('a\\.b.')).toEqual(Uint8Array.from([3, 0x61, 0x2e, 0x62, 0]));
    // non-printable octets come back as \DDD, specials as \X
    expect(normalizeName('\\000\\255.x')).toBe('\\000\\255.x.');
    expect(normalizeName('\\@\\$\\;\\(\\)\\"\\\\.x')).toBe('\\@\\$\\;\\(\\)\\"\\\\.x.');
    expect(normalizeName('a\\ b')).toBe('a\\032b.');
  });

  it('rejects empty labels, long labels, long names and bad escapes with KTO_ERR_CORE_BAD_NAME', () => {
    expect(badName(() => normalizeName(''))).toMatch(/empty name/);
    expect(badName(() => normalizeName('a..b'))).toMatch(/empty label/);
    expect(badName(() => normalizeName('.a'))).toMatch(/empty label/);
    expect(badName(() => normalizeName('..'))).toMatch(/empty label/);
    expect(badName(() => normalizeName(`${'a'.repeat(64)}.example`))).toMatch(/label longer than 63/);
    // 63-octet label is fine
    expect(normalizeName(`${'a'.repeat(63)}.example`)).toBe(`${'a'.repeat(63)}.example.`);
    // 4 labels of 63 = 4*64 + 1 = 257 octets on the wire
    expect(badName(() => normalizeName(Array(4).fill('a'.repeat(63)).join('.')))).toMatch(/longer than 255/);
    expect(badName(() => normalizeName('a\\'))).toMatch(/backslash/);
    expect(badName(() => normalizeName('a\\25'))).toMatch(/three digits/);
    expect(badName(() => normalizeName('a\\2x5'))).toMatch(/three digits/);
    expect(badName(() => normalizeName('a\\256'))).toMatch(/above 255/);
    expect(badName(() => normalizeName('a b'))).toMatch(/space or control/);
    expect(badName(() => normalizeName('bücher.example'))).toMatch(/non-ASCII/);
  });

  it('accepts exactly 255 octets and rejects 256', () => {
    // 3*64 + 62 + 1 = 255: labels 63,63,63,61
    const ok = [...Array(3).fill('a'.repeat(63)), 'b'.repeat(61)].join('.');
    expect(nameToWire(ok).length).toBe(255);
    const tooLong = [...Array(3).fill('a'.repeat(63)), 'b'.repeat(62)].join('.');
    expect(badName(() => nameToWire(tooLong))).toMatch(/longer than 255/);
    expect(badName(() => nameToWire(`${tooLong}.`))).toMatch(/longer than 255/);
  });

  it('isValidName mirrors normalizeName', () => {
    expect(isValidName('example.com')).toBe(true);
    expect(isValidName('a..b')).toBe(false);
    expect(isValidName(42 as unknown as string)).toBe(false);
  });

  it('is idempotent and agrees with the wire round trip (property)', () => {
    fc.assert(fc.property(wireName, (wire) => {
      const text = nameFromWire(wire);
      expect(normalizeName(text)).toBe(text);
      const back = nameToWire(text);
      // the canonical wire form is the input with ASCII upper case folded
      const folded = wire.map((b, i) => (isLabelOctet(wire, i) && b >= 0x41 && b <= 0x5a ? b + 0x20 : b));
      expect(Array.from(back)).toEqual(Array.from(folded));
    }));
  });
});

/** True when wire[i] is a label octet, not a length octet. */
function isLabelOctet(wire: Uint8Array, i: number): boolean {
  let p = 0;
  while (p < wire.length) {
    if (p === i) return false;
    const len = wire[p] as number;
    if (len === 0) return false;
    if (i <= p + len) return true;
    p += 1 + len;
  }
  return false;
}

describe('presentationToWire', () => {
  it('appends the origin to relative names and keeps case when asked', () => {
    const origin = nameToWire('Example.');
    expect(nameFromWire(presentationToWire('www', origin, false))).toBe('www.example.');
    expect(Array.from(presentationToWire('WwW', origin, false).subarray(0, 4))).toEqual([3, 0x57, 0x77, 0x57]);
    expect(Array.from(presentationToWire('WwW', origin, true).subarray(0, 4))).toEqual([3, 0x77, 0x77, 0x77]);
    expect(nameFromWire(presentationToWire('abs.', origin, false))).toBe('abs.');
  });
});

describe('readNameAt (compression)', () => {
  it('follows backward pointers and rejects forward or self pointers (no loops)', () => {
    // "example.com." at 0, then "www" + pointer to 0 at 13
    const buf = Uint8Array.from([7, ...Buffer.from('example'), 3, ...Buffer.from('com'), 0, 3, ...Buffer.from('WWW'), 0xc0, 0]);
    expect(readNameAt(buf, 13, buf.length, 'KTO_ERR_CORE_BAD_NAME', 't')).toBe('www.example.com.');
    const self = Uint8Array.from([0xc0, 0]);
    expect(badName(() => readNameAt(self, 0, 2, 'KTO_ERR_CORE_BAD_NAME', 't'))).toMatch(/does not point backwards/);
    const loop = Uint8Array.from([1, 0x61, 0xc0, 0]);
    expect(badName(() => readNameAt(loop, 0, 4, 'KTO_ERR_CORE_BAD_NAME', 't'))).toMatch(/does not point backwards/);
    const forward = Uint8Array.from([0xc0, 2, 0]);
    expect(badName(() => readNameAt(forward, 0, 3, 'KTO_ERR_CORE_BAD_NAME', 't'))).toMatch(/does not point backwards/);
    expect(badName(() => readNameAt(Uint8Array.from([0x40]), 0, 1, 'KTO_ERR_CORE_BAD_NAME', 't'))).toMatch(/label type/);
    expect(badName(() => readNameAt(Uint8Array.from([3, 0x61]), 0, 2, 'KTO_ERR_CORE_BAD_NAME', 't'))).toMatch(/past the end/);
  });

  it('rejects names that decompress to more than 255 octets', () => {
    // 5 labels of 63 octets chained by pointers, each pointing back to the previous one
    const parts: number[] = [0];
    let prev = 0;
    for (let i = 0; i < 5; i++) {
      const at = parts.length;
      parts.push(63, ...Array(63).fill(0x61), 0xc0 | (prev >> 8), prev & 0xff);
      prev = at;
    }
    const buf = Uint8Array.from(parts);
    expect(badName(() => readNameAt(buf, prev, buf.length, 'KTO_ERR_CORE_BAD_NAME', 't'))).toMatch(/longer than 255/);
  });
});

describe('compareNames (RFC 4034 §6.1)', () => {
  it('orders the RFC example list exactly as printed', () => {
    const ordered = vectors.ordered;
    const shuffled = [...ordered].reverse();
    shuffled.sort(compareNames);
    expect(shuffled).toEqual(ordered);
    for (let i = 1; i < ordered.length; i++) {
      expect(compareNames(ordered[i - 1] as string, ordered[i] as string)).toBeLessThan(0);
      expect(compareNames(ordered[i] as string, ordered[i - 1] as string)).toBeGreaterThan(0);
    }
    expect(compareNames('Z.a.example.', 'z.A.EXAMPLE')).toBe(0);
  });

  it('is a total order consistent with equality (property)', () => {
    fc.assert(fc.property(wireName, wireName, wireName, (a, b, c) => {
      const [x, y, z] = [nameFromWire(a), nameFromWire(b), nameFromWire(c)];
      const xy = Math.sign(compareNames(x, y));
      expect(Math.sign(compareNames(y, x))).toBe(-xy || 0);
      expect(xy === 0).toBe(x === y);
      if (compareNames(x, y) <= 0 && compareNames(y, z) <= 0) expect(compareNames(x, z)).toBeLessThanOrEqual(0);
    }));
  });
});

describe('isSubdomain, parentName, labelCount', () => {
  it('compares label-wise, case-insensitively', () => {
    expect(isSubdomain('www.Example.com', 'example.COM.')).toBe(true);
    expect(isSubdomain('example.com', 'example.com')).toBe(true);
    expect(isSubdomain('anything.', '.')).toBe(true);
    expect(isSubdomain('badexample.com', 'example.com')).toBe(false);
    expect(isSubdomain('example.com', 'www.example.com')).toBe(false);
    // an escaped dot is not a label boundary: the labels are "a.example" and "com"
    expect(isSubdomain('a\\.example.com', 'example.com')).toBe(false);
    expect(isSubdomain('a\\.example.com', 'com')).toBe(true);
    expect(isSubdomain('a\\.example.com', 'a.example.com')).toBe(false);
  });

  it('parentName drops the leftmost label; the root has none', () => {
    expect(parentName('www.Example.com')).toBe('example.com.');
    expect(parentName('com.')).toBe('.');
    expect(parentName('.')).toBeNull();
    expect(parentName('a\\.b.c.')).toBe('c.');
  });

  it('labelCount excludes the root and a leading "*" (RFC 4034 §3.1.3)', () => {
    expect(labelCount('.')).toBe(0);
    expect(labelCount('www.example.com.')).toBe(3);
    expect(labelCount('*.example.com.')).toBe(2);
    expect(labelCount('a.*.example.com.')).toBe(4);
    expect(labelCount('\\042.example.')).toBe(1); // \042 is "*"
  });
});
