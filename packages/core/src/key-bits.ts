// Public key size in bits from a DNSKEY's algorithm and public key field.

/**
 * RSA algorithms (1, 5, 7, 8, 10): modulus bits from the RFC 3110 §2 encoding (exponent length in
 * one octet, or 0 and then two octets; exponent; modulus), ignoring leading zero octets.
 * DSA (3, 6): 512 + 64·T from RFC 2536 §2. ECDSA P-256 (13) 256, P-384 (14) 384 (RFC 6605);
 * Ed25519 (15) 256, Ed448 (16) 456 (RFC 8080). 0 when unknown or when an RSA/DSA key is malformed.
 */
export function publicKeyBits(algorithm: number, publicKey: Uint8Array): number {
  switch (algorithm) {
    case 1:
    case 5:
    case 7:
    case 8:
    case 10:
      return rsaModulusBits(publicKey);
    case 3:
    case 6: {
      const t = publicKey[0];
      return t !== undefined && t <= 8 ? 512 + 64 * t : 0;
    }
    case 13:
      return 256;
    case 14:
      return 384;
    case 15:
      return 256;
    case 16:
      return 456;
    default:
      return 0;
  }
}

function rsaModulusBits(key: Uint8Array): number {
  if (key.length < 1) return 0;
  let p: number;
  let expLen = key[0] as number;
  if (expLen === 0) {
    if (key.length < 3) return 0;
    expLen = ((key[1] as number) << 8) | (key[2] as number);
    p = 3 + expLen;
  } else {
    p = 1 + expLen;
  }
  if (expLen === 0 || p >= key.length) return 0;
  while (p < key.length && key[p] === 0) p++;
  if (p >= key.length) return 0;
  const first = key[p] as number;
  return (key.length - p - 1) * 8 + (32 - Math.clz32(first));
}
