// @kto/core/node: what needs node:crypto. RRSIG verification on OpenSSL (the fast path for Node
// code: same API as the main entry's verifyRrsig / findRrsigSigners), signing, key generation and
// BIND private key files. Everything else, including the types, comes from "@kto/core".

export { nodeBackend } from './dnssec/node-backend.js';
export { findRrsigSigners, verifyRrsig } from './dnssec/node-verify.js';
export { signRrset } from './dnssec/node-sign.js';
export type { SignRrsetInput } from './dnssec/node-sign.js';
export { dnskeyFromKeyObject, dnskeyPublicKeyField, generateDnssecKey, generateDnssecKeyAsync } from './dnssec/node-keys.js';
export type { DnssecKeyPair, GenerateDnssecKeyOptions } from './dnssec/node-keys.js';
export { readBindPrivateKey } from './dnssec/node-bind-private-key.js';
export type { BindPrivateKey } from './dnssec/node-bind-private-key.js';
