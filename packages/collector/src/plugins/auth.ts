// The admin bearer token: missing -> 401 KTO_ERR_AUTH_MISSING_TOKEN, wrong -> 403 KTO_ERR_AUTH_BAD_TOKEN.
// Compared in constant time over SHA-256 digests (equal lengths whatever the caller sends).
import { createHash, timingSafeEqual } from 'node:crypto';
import { KtoError } from '@kto/core';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** An onRequest hook admitting only requests that carry the admin token. */
export function adminGuard(adminToken: string): onRequestAsyncHookHandler {
  if (adminToken.length === 0) throw new KtoError('KTO_ERR_CONFIG_INVALID', 'the admin token must not be empty');
  const expected = digest(adminToken);
  return async function requireAdmin(req: FastifyRequest): Promise<void> {
    const header = req.headers.authorization;
    if (header === undefined || header === '') {
      throw new KtoError('KTO_ERR_AUTH_MISSING_TOKEN', 'this route needs Authorization: Bearer <admin token>');
    }
    const m = BEARER.exec(header);
    if (m === null || !timingSafeEqual(digest(m[1] as string), expected)) {
      throw new KtoError('KTO_ERR_AUTH_BAD_TOKEN', 'the admin token is not valid');
    }
  };
}
