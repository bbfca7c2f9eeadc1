// Domain names: presentation format <-> wire format, canonical form and canonical order
// (RFC 1035 §3.1, §5.1; RFC 4034 §6.1; RFC 4343 case-insensitivity).
//
// KTO's string form of a name is canonical: ASCII lower-case, absolute (trailing dot), root ".",
// octets outside 0x21..0x7e written as \DDD and the presentation specials . \ " ( ) ; @ $ as \X.

import { KtoError } from './errors.js';

export const MAX_NAME_OCTETS = 255;
export const MAX_LABEL_OCTETS = 63;

/** Presentation text of each octet in a canonical (lower-cased) label. */
const OCTET_TEXT: readonly string[] = (() => {
  const out: string[] = [];
  const specials = '."\\()@$;';
  for (let b = 0; b < 256; b++) {
    const c = b >= 0x41 && b <= 0x5a ? b + 0x20 : b;
    if (c <= 0x20 || c >= 0x7f) out.push('\\' + String(c).padStart(3, '0'));
    else if (specials.includes(String.fromCharCode(c))) out.push('\\' + String.fromCharCode(c));
    else out.push(String.fromCharCode(c));
  }
  return out;
})();

function badName(msg: string, text: string): KtoError {
  return new KtoError('KTO_ERR_CORE_BAD_NAME', `${msg}: ${JSON.stringify(text)}`, { name: text });
}

// Scratch buffer for parsing; every public function copies out of it before returning.
const scratch = new Uint8Array(MAX_NAME_OCTETS + 2);

/**
 * Parses presentation text into `scratch` and returns the wire length. A name without a trailing
 * dot is relative: `origin` (wire form) is appended, or, without an origin, it is taken as absolute.
 * `lower` lower-cases ASCII letters (canonical form); otherwise octets are kept as written.
 */
function parseIntoScratch(text: string, origin: Uint8Array | null, lower: boolean): number {
  const n = text.length;
  if (n === 0) throw badName('empty name', text);
  if (n === 1 && text.charCodeAt(0) === 0x2e) {
    scratch[0] = 0;
    return 1;
  }
  let pos = 1; // write position in scratch; scratch[0] is the first label's length octet
  let labelStart = 0; // position of the current label's length octet
  let labelLen = 0;
  let absolute = false;
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i);
    if (c === 0x2e) {
      // '.'
      if (labelLen === 0) throw badName(i === 0 ? 'name starts with an empty label' : 'empty label', text);
      scratch[labelStart] = labelLen;
      labelStart = pos;
      pos++;
      labelLen = 0;
      if (i === n - 1) absolute = true;
      continue;
    }
    if (c === 0x5c) {
      // '\': \DDD or \X
      if (i + 1 >= n) throw badName('dangling backslash at the end', text);
      const d1 = text.charCodeAt(i + 1);
      if (d1 >= 0x30 && d1 <= 0x39) {
        if (i + 3 >= n) throw badName('\\DDD escape needs three digits', text);
        const d2 = text.charCodeAt(i + 2);
        const d3 = text.charCodeAt(i + 3);
        if (!(d2 >= 0x30 && d2 <= 0x39 && d3 >= 0x30 && d3 <= 0x39)) {
          throw badName('\\DDD escape needs three digits', text);
        }
        c = (d1 - 0x30) * 100 + (d2 - 0x30) * 10 + (d3 - 0x30);
        if (c > 255) throw badName('\\DDD escape above 255', text);
        i += 3;
      } else {
        if (d1 > 0x7e) throw badName('non-ASCII character (use the A-label form)', text);
        c = d1;
        i += 1;
      }
    } else if (c <= 0x20 || c >= 0x7f) {
      throw badName(c > 0x7e ? 'non-ASCII character (use the A-label form)' : 'unescaped space or control character', text);
    }
    if (lower && c >= 0x41 && c <= 0x5a) c += 0x20;
    labelLen++;
    if (labelLen > MAX_LABEL_OCTETS) throw badName(`label longer than ${MAX_LABEL_OCTETS} octets`, text);
    if (pos >= MAX_NAME_OCTETS) throw badName(`name longer than ${MAX_NAME_OCTETS} octets on the wire`, text);
    scratch[pos++] = c;
  }
  if (!absolute) {
    // close the last label
    scratch[labelStart] = labelLen;
    labelStart = pos;
    if (origin !== null) {
      if (pos + origin.length > MAX_NAME_OCTETS) {
        throw badName(`name longer than ${MAX_NAME_OCTETS} octets on the wire`, text);
      }
      for (let j = 0; j < origin.length; j++) {
        let b = origin[j] as number;
        if (lower && b >= 0x41 && b <= 0x5a) b += 0x20;
        scratch[pos++] = b;
      }
      // origin's own length octets were copied verbatim above; lower-casing them is harmless
      // because length octets are <= 63.
      return pos;
    }
    pos++;
  }
  scratch[labelStart] = 0;
  if (pos > MAX_NAME_OCTETS) throw badName(`name longer than ${MAX_NAME_OCTETS} octets on the wire`, text);
  return pos;
}

/** Canonical text of an uncompressed wire name held in buf[off..]. */
function wireToText(buf: Uint8Array, off: number): string {
  let out = '';
  let p = off;
  for (;;) {
    const len = buf[p] as number;
    if (len === 0) break;
    const end = p + 1 + len;
    for (let i = p + 1; i < end; i++) out += OCTET_TEXT[buf[i] as number];
    out += '.';
    p = end;
  }
  return out === '' ? '.' : out;
}

/**
 * Parses a presentation-format name (with \DDD and \X escapes) and returns its canonical form.
 * A name without a trailing dot is taken as absolute. Throws KTO_ERR_CORE_BAD_NAME.
 */
export function normalizeName(text: string): string {
  if (typeof text !== 'string') throw new KtoError('KTO_ERR_CORE_BAD_NAME', `name must be a string, got ${typeof text}`);
  parseIntoScratch(text, null, true);
  return wireToText(scratch, 0);
}

/** True when `text` parses as a domain name (see normalizeName). */
export function isValidName(text: string): boolean {
  if (typeof text !== 'string') return false;
  try {
    parseIntoScratch(text, null, true);
    return true;
  } catch {
    return false;
  }
}

/** Canonical wire form (uncompressed, lower-cased) of a presentation-format name. */
export function nameToWire(text: string): Uint8Array {
  if (typeof text !== 'string') throw new KtoError('KTO_ERR_CORE_BAD_NAME', `name must be a string, got ${typeof text}`);
  const len = parseIntoScratch(text, null, true);
  return scratch.slice(0, len);
}

/**
 * Wire form of a presentation-format name relative to `origin` (wire form, or null for none),
 * keeping the case as written unless `lower`. For master-file parsing, where RDATA names keep
 * their case (RFC 6840 §5.1: NSEC next names are not lower-cased in canonical form).
 */
export function presentationToWire(text: string, origin: Uint8Array | null, lower: boolean): Uint8Array {
  const len = parseIntoScratch(text, origin, lower);
  return scratch.slice(0, len);
}

/** Canonical text of the wire name at `offset` of `wire` (compression pointers, if any, must point backwards within `wire`). */
export function nameFromWire(wire: Uint8Array, offset = 0): string {
  return readNameAt(wire, offset, wire.length, 'KTO_ERR_CORE_BAD_NAME', 'name');
}

/**
 * Position just after the name read by the last readNameAt call (in the original sequence, i.e.
 * after the first compression pointer if there was one). Module state instead of a returned object
 * keeps the decoder's hot path free of allocations; JavaScript runs one call at a time.
 */
export const nameCursor = { end: 0, wireLength: 0 };

/**
 * Reads a possibly compressed wire name at `offset` of `buf` and returns its canonical text;
 * sets nameCursor.end. Labels before the first pointer must lie below `limit`; pointers must point
 * strictly backwards (before the label run that contains them), which rules out loops.
 * Errors are thrown as KtoError(`code`) naming `what` and the offset.
 */
export function readNameAt(buf: Uint8Array, offset: number, limit: number, code: string, what: string): string {
  let pos = offset;
  let runStart = offset;
  let bound = limit;
  let end = -1;
  let wireLen = 1;
  let out = '';
  for (;;) {
    if (pos >= bound) {
      throw new KtoError(code, `${what}: name at offset ${offset} runs past the end (offset ${pos})`);
    }
    const len = buf[pos] as number;
    if (len === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= bound) {
        throw new KtoError(code, `${what}: compression pointer at offset ${pos} is cut off`);
      }
      const target = ((len & 0x3f) << 8) | (buf[pos + 1] as number);
      if (end < 0) end = pos + 2;
      if (target >= runStart) {
        throw new KtoError(code, `${what}: compression pointer at offset ${pos} to ${target} does not point backwards`);
      }
      pos = target;
      runStart = target;
      bound = buf.length;
      continue;
    }
    if (kind !== 0) {
      throw new KtoError(code, `${what}: unsupported label type 0x${len.toString(16)} at offset ${pos}`);
    }
    const labelEnd = pos + 1 + len;
    if (labelEnd > bound) {
      throw new KtoError(code, `${what}: label at offset ${pos} runs past the end`);
    }
    wireLen += len + 1;
    if (wireLen > MAX_NAME_OCTETS) {
      throw new KtoError(code, `${what}: name at offset ${offset} is longer than ${MAX_NAME_OCTETS} octets`);
    }
    for (let i = pos + 1; i < labelEnd; i++) {
      out += OCTET_TEXT[buf[i] as number];
    }
    out += '.';
    pos = labelEnd;
  }
  nameCursor.end = end;
  nameCursor.wireLength = wireLen;
  return out === '' ? '.' : out;
}

/**
 * Copies the possibly compressed wire name at `offset` into `out` at `outOffset` in uncompressed
 * form, lower-cased when `lower`. Returns the number of octets written; sets nameCursor.end.
 * `out` must have room for 255 octets.
 */
export function copyNameAt(
  buf: Uint8Array, offset: number, limit: number, out: Uint8Array, outOffset: number, lower: boolean,
  code: string, what: string,
): number {
  let pos = offset;
  let runStart = offset;
  let bound = limit;
  let end = -1;
  let w = outOffset;
  for (;;) {
    if (pos >= bound) throw new KtoError(code, `${what}: name at offset ${offset} runs past the end (offset ${pos})`);
    const len = buf[pos] as number;
    if (len === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= bound) throw new KtoError(code, `${what}: compression pointer at offset ${pos} is cut off`);
      const target = ((len & 0x3f) << 8) | (buf[pos + 1] as number);
      if (end < 0) end = pos + 2;
      if (target >= runStart) {
        throw new KtoError(code, `${what}: compression pointer at offset ${pos} to ${target} does not point backwards`);
      }
      pos = target;
      runStart = target;
      bound = buf.length;
      continue;
    }
    if (kind !== 0) throw new KtoError(code, `${what}: unsupported label type 0x${len.toString(16)} at offset ${pos}`);
    const labelEnd = pos + 1 + len;
    if (labelEnd > bound) throw new KtoError(code, `${what}: label at offset ${pos} runs past the end`);
    if (w - outOffset + len + 2 > MAX_NAME_OCTETS) {
      throw new KtoError(code, `${what}: name at offset ${offset} is longer than ${MAX_NAME_OCTETS} octets`);
    }
    out[w++] = len;
    for (let i = pos + 1; i < labelEnd; i++) {
      let b = buf[i] as number;
      if (lower && b >= 0x41 && b <= 0x5a) b += 0x20;
      out[w++] = b;
    }
    pos = labelEnd;
  }
  out[w++] = 0;
  nameCursor.end = end;
  nameCursor.wireLength = w - outOffset;
  return w - outOffset;
}

/** Offsets of the length octets of each label of an uncompressed wire name (root excluded). */
function labelOffsets(wire: Uint8Array): number[] {
  const offs: number[] = [];
  let p = 0;
  for (;;) {
    const len = wire[p] as number;
    if (len === 0) return offs;
    offs.push(p);
    p += 1 + len;
  }
}

/**
 * RFC 4034 §6.1 canonical order of two uncompressed wire names, lower-casing as it compares:
 * label by label from the rightmost, each label as an unsigned octet string (a shorter label that
 * is a prefix of a longer one sorts first), fewer labels first on a tie. Returns <0, 0 or >0.
 */
export function compareWireNames(a: Uint8Array, b: Uint8Array): number {
  const la = labelOffsets(a);
  const lb = labelOffsets(b);
  let i = la.length - 1;
  let j = lb.length - 1;
  while (i >= 0 && j >= 0) {
    const pa = la[i] as number;
    const pb = lb[j] as number;
    const na = a[pa] as number;
    const nb = b[pb] as number;
    const n = na < nb ? na : nb;
    for (let k = 1; k <= n; k++) {
      let x = a[pa + k] as number;
      let y = b[pb + k] as number;
      if (x >= 0x41 && x <= 0x5a) x += 0x20;
      if (y >= 0x41 && y <= 0x5a) y += 0x20;
      if (x !== y) return x - y;
    }
    if (na !== nb) return na - nb;
    i--;
    j--;
  }
  return la.length - lb.length;
}

/** RFC 4034 §6.1 canonical order of two presentation-format names. Returns <0, 0 or >0. */
export function compareNames(a: string, b: string): number {
  return compareWireNames(nameToWire(a), nameToWire(b));
}

/** True when `child` equals `parent` or lies below it (label-wise, case-insensitive). */
export function isSubdomain(child: string, parent: string): boolean {
  const c = nameToWire(child);
  const p = nameToWire(parent);
  if (p.length > c.length) return false;
  const start = c.length - p.length;
  // the suffix must start at a label boundary of the child
  const offs = labelOffsets(c);
  if (start !== c.length - 1 && !offs.includes(start)) return false;
  for (let i = 0; i < p.length; i++) if (c[start + i] !== p[i]) return false;
  return true;
}

/** The name with its leftmost label removed, or null for the root. */
export function parentName(name: string): string | null {
  const w = nameToWire(name);
  if (w.length === 1) return null;
  return wireToText(w, 1 + (w[0] as number));
}

/** RFC 4034 §3.1.3 label count: labels of the owner without the root and without a leading "*". */
export function labelCount(name: string): number {
  return wireLabelCount(nameToWire(name));
}

/** labelCount of an uncompressed wire name. */
export function wireLabelCount(wire: Uint8Array): number {
  let count = 0;
  let p = 0;
  for (;;) {
    const len = wire[p] as number;
    if (len === 0) break;
    count++;
    p += 1 + len;
  }
  if (count > 0 && wire[0] === 1 && wire[1] === 0x2a) count--;
  return count;
}
