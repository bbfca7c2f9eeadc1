import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base32HexDecode, base32HexEncode, base64Decode, base64Encode, hexDecode, hexEncode } from './text-encoding.js';

// RFC 4648 §10 test vectors
const RFC4648 = [
  ['', '', '', ''], ['f', 'Zg==', '66', 'co'], ['fo', 'Zm8=', '666f', 'cpng'], ['foo', 'Zm9v', '666f6f', 'cpnmu'],
  ['foob', 'Zm9vYg==', '666f6f62', 'cpnmuog'], ['fooba', 'Zm9vYmE=', '666f6f6261', 'cpnmuoj1'],
  ['foobar', 'Zm9vYmFy', '666f6f626172', 'cpnmuoj1e8'],
] as const;

describe('text encodings (RFC 4648)', () => {
  it('RFC 4648 §10 vectors: base64, base16, base32hex (lower case, no padding)', () => {
    for (const [plain, b64, b16, b32hex] of RFC4648) {
      const bytes = new TextEncoder().encode(plain);
      expect(base64Encode(bytes)).toBe(b64);
      expect(base64Decode(b64)).toEqual(bytes);
      expect(hexEncode(bytes)).toBe(b16);
      expect(hexDecode(b16.toUpperCase())).toEqual(bytes);
      expect(base32HexEncode(bytes)).toBe(b32hex);
      expect(base32HexDecode(b32hex.toUpperCase())).toEqual(bytes);
    }
  });

  it('agree with Buffer on random input (property)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      const bytes = Uint8Array.from(b);
      expect(base64Encode(bytes)).toBe(Buffer.from(bytes).toString('base64'));
      expect(base64Decode(Buffer.from(bytes).toString('base64'))).toEqual(bytes);
      expect(hexEncode(bytes)).toBe(Buffer.from(bytes).toString('hex'));
      expect(hexDecode(Buffer.from(bytes).toString('hex'))).toEqual(bytes);
      expect(base32HexDecode(base32HexEncode(bytes))).toEqual(bytes);
    }));
  });

  it('reject what is not valid (null)', () => {
    for (const bad of ['Zg=', 'Z===', 'Zh==', 'Zm9v!', 'Zm=v', '====']) expect(base64Decode(bad), bad).toBeNull();
    for (const bad of ['6', '6g', 'zz']) expect(hexDecode(bad), bad).toBeNull();
    for (const bad of ['c', 'cpn', 'cpnmuo', 'w0', 'cq']) expect(base32HexDecode(bad), bad).toBeNull();
  });
});
