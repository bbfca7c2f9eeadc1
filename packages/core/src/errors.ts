// Stable error codes of @kto/core (STYLE.md §3). Every code here has a row in docs/errors.md.

export const CORE_ERRORS = {
  KTO_ERR_CORE_BAD_NAME: 'a domain name is not valid (label or name too long, empty label, bad escape)',
  KTO_ERR_CORE_MALFORMED_MESSAGE: 'bytes that should be a DNS message are not one',
  KTO_ERR_CORE_MALFORMED_RDATA: 'RDATA of a known type does not decode',
  KTO_ERR_CORE_BAD_ARGUMENT: 'a public core function got an argument of the wrong kind or range',
  KTO_ERR_CORE_UNSUPPORTED_ALGORITHM: 'a DNSSEC or digest algorithm that core does not implement',
  KTO_ERR_CORE_ZONE_SYNTAX: 'master-file (zone file) text does not parse; the message gives the line',
  KTO_ERR_CORE_BAD_PRIVATE_KEY: 'a private key does not fit the DNSSEC algorithm it is used with, or its key-file text does not parse',
  KTO_ERR_CORE_CRYPTO_FAILED: 'the crypto library failed to sign or to generate a key (the cause is attached)',
} as const;

export type CoreErrorCode = keyof typeof CORE_ERRORS;

/** The error class every KTO package throws. Callers match on `err.code`, never on the message. */
export class KtoError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: string, message: string, details?: Record<string, unknown>, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KtoError';
    this.code = code;
    this.details = details;
  }
}

export function isKtoError(err: unknown, code?: string): err is KtoError {
  return err instanceof KtoError && (code === undefined || err.code === code);
}
