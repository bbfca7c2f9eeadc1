// Strict text encodings of binary fields in presentation format: base64 (RFC 4648 §4; DNSKEY,
// RRSIG), base16 (DS digests, salts) and base32hex without padding (RFC 4648 §7; NSEC3 hashed
// owner names, RFC 5155 §3.3). Browser-safe: no Buffer.
// Decoders return null for text that is not valid in the encoding; callers name the field.

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_VALUE = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

/** Decodes standard base64 (with optional '=' padding to a multiple of 4). Null when invalid. */
export function base64Decode(text: string): Uint8Array | null {
  let n = text.length;
  if (n % 4 !== 0) return null;
  let pad = 0;
  if (n > 0 && text.charCodeAt(n - 1) === 0x3d) pad++;
  if (n > 1 && text.charCodeAt(n - 2) === 0x3d) pad++;
  const out = new Uint8Array((n / 4) * 3 - pad);
  n -= pad;
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? (B64_VALUE[c] as number) : -1;
    if (v < 0) return null;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  // the bits left over after the last full octet must be zero (canonical encoding)
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) return null;
  return o === out.length ? out : null;
}

export function base64Encode(bytes: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const v = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    s += B64.charAt(v >>> 18) + B64.charAt((v >>> 12) & 63) + B64.charAt((v >>> 6) & 63) + B64.charAt(v & 63);
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const v = (bytes[i] as number) << 16;
    s += B64.charAt(v >>> 18) + B64.charAt((v >>> 12) & 63) + '==';
  } else if (rest === 2) {
    const v = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    s += B64.charAt(v >>> 18) + B64.charAt((v >>> 12) & 63) + B64.charAt((v >>> 6) & 63) + '=';
  }
  return s;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** Decodes base16 (either case, even length). Null when invalid. */
export function hexDecode(text: string): Uint8Array | null {
  if (text.length % 2 !== 0) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexValue(text.charCodeAt(2 * i));
    const lo = hexValue(text.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return null;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

const HEX = '0123456789abcdef';

/** Lower-case base16. */
export function hexEncode(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    s += HEX.charAt(b >>> 4) + HEX.charAt(b & 15);
  }
  return s;
}

const B32HEX = '0123456789abcdefghijklmnopqrstuv';

/** Decodes base32hex without padding (either case). Null when invalid. */
export function base32HexDecode(text: string): Uint8Array | null {
  const n = text.length;
  // lengths that cannot come from whole octets: 1, 3, 6 (mod 8)
  const rem = n % 8;
  if (rem === 1 || rem === 3 || rem === 6) return null;
  const out = new Uint8Array(Math.floor((n * 5) / 8));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    let v: number;
    if (c >= 0x30 && c <= 0x39) v = c - 0x30;
    else if (c >= 0x61 && c <= 0x76) v = c - 0x61 + 10;
    else return null;
    acc = ((acc << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) return null;
  return out;
}

/** Lower-case base32hex without padding. */
export function base32HexEncode(bytes: Uint8Array): string {
  let s = '';
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < bytes.length; i++) {
    acc = ((acc << 8) | (bytes[i] as number)) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      s += B32HEX.charAt((acc >>> bits) & 31);
    }
  }
  if (bits > 0) s += B32HEX.charAt((acc << (5 - bits)) & 31);
  return s;
}
