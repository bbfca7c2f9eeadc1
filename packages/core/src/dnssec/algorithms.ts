// What KTO does with each DNSSEC algorithm number (IANA "DNS Security Algorithm Numbers"):
// RSA/SHA-1 (5, 7; RFC 3110, RFC 5155 §2) verify-only, RSA/SHA-2 (8, 10; RFC 5702), ECDSA
// (13, 14; RFC 6605) and EdDSA (15, 16; RFC 8080) verify and sign.

/** Algorithms whose RRSIGs KTO verifies. */
export type VerifyAlgorithm = 5 | 7 | 8 | 10 | 13 | 14 | 15 | 16;

/** Algorithms KTO signs with (5 and 7 are kept for reading history only). */
export type SigningAlgorithm = 8 | 10 | 13 | 14 | 15 | 16;

export const VERIFY_ALGORITHMS: readonly VerifyAlgorithm[] = [5, 7, 8, 10, 13, 14, 15, 16];
export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = [8, 10, 13, 14, 15, 16];

/** The hash of each algorithm's signature scheme; null for EdDSA (the message is signed as is). */
export type DnssecHash = 'sha1' | 'sha256' | 'sha384' | 'sha512' | null;

export function isVerifyAlgorithm(algorithm: number): algorithm is VerifyAlgorithm {
  return algorithm === 8 || algorithm === 13 || algorithm === 15 || algorithm === 10 || algorithm === 14
    || algorithm === 16 || algorithm === 5 || algorithm === 7;
}

export function isSigningAlgorithm(algorithm: number): algorithm is SigningAlgorithm {
  return algorithm === 8 || algorithm === 13 || algorithm === 15 || algorithm === 10 || algorithm === 14 || algorithm === 16;
}

/** RSA algorithms (RFC 3110 key and signature format). */
export function isRsaAlgorithm(algorithm: number): boolean {
  return algorithm === 8 || algorithm === 10 || algorithm === 5 || algorithm === 7;
}

export function hashOf(algorithm: VerifyAlgorithm): DnssecHash {
  switch (algorithm) {
    case 5: case 7: return 'sha1';
    case 8: case 13: return 'sha256';
    case 14: return 'sha384';
    case 10: return 'sha512';
    case 15: case 16: return null;
  }
}

/**
 * Octets of the public key field for the fixed-size algorithms (RFC 6605 §4: x | y; RFC 8080 §3),
 * and of their signatures (RFC 6605 §4: r | s; RFC 8080 §4). 0 for RSA, whose sizes follow the modulus.
 */
export function fixedKeyLength(algorithm: VerifyAlgorithm): number {
  switch (algorithm) {
    case 13: return 64;
    case 14: return 96;
    case 15: return 32;
    case 16: return 57;
    default: return 0;
  }
}

export function fixedSignatureLength(algorithm: VerifyAlgorithm): number {
  switch (algorithm) {
    case 13: return 64;
    case 14: return 96;
    case 15: return 64;
    case 16: return 114;
    default: return 0;
  }
}
