// verifyRrsig and findRrsigSigners of the "@kto/core/node" entry: the node:crypto back end.

import { nodeBackend } from './node-backend.js';
import { findRrsigSignersWith, verifyRrsigWith } from './verify.js';
import type { FindRrsigSignersInput, RrsigSigner, RrsigVerdict, VerifyRrsigInput } from './verify.js';

/** Verifies one RRSIG with one DNSKEY (see verify.ts for the checks and their order). */
export function verifyRrsig(input: VerifyRrsigInput): RrsigVerdict {
  return verifyRrsigWith(nodeBackend, input);
}

/** For each RRSIG over an RRset, the key of a DNSKEY set that validates it (every key with a colliding tag is tried). */
export function findRrsigSigners(input: FindRrsigSignersInput): RrsigSigner[] {
  return findRrsigSignersWith(nodeBackend, input);
}
