// @kto/core public API (browser-safe: no node:* imports anywhere below this entry).

export { CORE_ERRORS, KtoError, isKtoError } from './errors.js';
export type { CoreErrorCode } from './errors.js';

export {
  MAX_LABEL_OCTETS, MAX_NAME_OCTETS, compareNames, compareWireNames, isSubdomain, isValidName, labelCount,
  nameFromWire, nameToWire, normalizeName, parentName, presentationToWire, wireLabelCount,
} from './names.js';

export {
  DIGEST_TYPE, DNSSEC_ALGORITHM, EDE_CODE_NAMES, EDNS_OPTION, OPCODE, RCODE, RRCLASS, RRTYPE,
  algorithmFromName, algorithmName, classFromName, className, digestTypeName, edeName, rcodeName, typeFromName,
  typeName,
} from './types.js';
export type { RrTypeName } from './types.js';

export { decodeMessage, encodeQuery } from './message.js';
export type {
  DnsHeader, DnsMessage, DnsQuestion, DnsRecord, Edns, EdnsOption, ExtendedDnsError, QueryOptions,
} from './message.js';

export {
  CANONICAL_NAME_TYPES, decodeCsync, decodeDnskey, decodeDs, decodeNs, decodeNsec, decodeRrsig, decodeSoa,
  decodeTypeBitmap, encodeCsync, encodeDnskey, encodeDs, encodeNs, encodeNsec, encodeRrsig, encodeSoa,
  encodeTypeBitmap, expandRdata, rdataHasNames,
} from './rdata.js';
export type { CsyncRdata, DnskeyRdata, DsRdata, NsRdata, NsecRdata, RrsigRdata, SoaRdata } from './rdata.js';

export { keyTag, keyTagAt } from './keytag.js';
export { publicKeyBits } from './key-bits.js';
export { SUPPORTED_DIGEST_TYPES, dsDigest, dsMatchesDnskey } from './ds.js';
export type { DsDigestType } from './ds.js';

export { summarizeAnswer } from './summary.js';
export { CADENCE_DELTAS, NO_EXPIRATION, expiryAt, failureKind, medianInterval, normalizeHost, noteInterval, sameContent, signatureWindowsInto, wellFormed } from './run-content.js';
export type { ContentColumns, SignatureWindows, SummaryColumns } from './run-content.js';
export type {
  AnswerSummary, CsyncSummary, DnskeySummary, DsSummary, NsSummary, RecordSummary, RrsigSummary, SoaSummary,
} from './summary.js';

export { canonicalRdata, canonicalRrsetRdata, compareRdata, rrsetFromMessage, signedData } from './canonical.js';
export type { RrInput } from './canonical.js';

export { parseZoneText } from './zone-text.js';
export type { SkippedRecord, ZoneParseOptions, ZoneParseResult, ZoneRecord } from './zone-text.js';

export { base32HexDecode, base32HexEncode, base64Decode, base64Encode, hexDecode, hexEncode } from './text-encoding.js';

export { cdnskeyCodec, cdsCodec, csyncCodec } from './dns-packet-codecs.js';
export type { PacketCodec, PacketCsync, PacketDnskey, PacketDs } from './dns-packet-codecs.js';

// DNSSEC signatures (browser-safe back end; "@kto/core/node" has the node:crypto one, signing and keys)
export { SIGNING_ALGORITHMS, VERIFY_ALGORITHMS, isSigningAlgorithm, isVerifyAlgorithm } from './dnssec/algorithms.js';
export type { SigningAlgorithm, VerifyAlgorithm } from './dnssec/algorithms.js';
export { clearKeyCache } from './dnssec/backend.js';
export type { DnssecBackend } from './dnssec/backend.js';
export { nobleBackend } from './dnssec/noble-backend.js';
export { findRrsigSigners, verifyRrsig } from './dnssec/noble-verify.js';
export { rrsigWindowStatus, serialCompare } from './dnssec/validity.js';
export type { RrsigWindowStatus } from './dnssec/validity.js';
export { findRrsigSignersWith, verifyRrsigWith } from './dnssec/verify.js';
export type { FindRrsigSignersInput, RrsigSigner, RrsigStatus, RrsigVerdict, VerifyRrsigInput } from './dnssec/verify.js';
