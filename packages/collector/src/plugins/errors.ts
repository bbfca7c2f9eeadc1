// Every error leaves as JSON {statusCode, code, error, message} with a stable KTO_ERR_* code.
// Schema validation and body parsing errors map to KTO_ERR_API_* codes; KtoErrors keep their code;
// anything unknown becomes 500 KTO_ERR_INTERNAL, logged in full and described in one word.
import { STATUS_CODES } from 'node:http';
import { isKtoError } from '@kto/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { COLLECTOR_ERROR_STATUS, isCollectorErrorCode, STORE_UNAVAILABLE } from '../errors.js';

export interface ErrorBodyJson {
  statusCode: number;
  code: string;
  error: string;
  message: string;
}

export function errorBody(statusCode: number, code: string, message: string): ErrorBodyJson {
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

/** The JSON error for any thrown value (and whether it is a server-side fault to log as such). */
export function toErrorBody(err: unknown): { body: ErrorBodyJson; internal: boolean } {
  if (isKtoError(err)) {
    if (isCollectorErrorCode(err.code)) {
      return { body: errorBody(COLLECTOR_ERROR_STATUS[err.code], err.code, err.message), internal: false };
    }
    if (err.code === STORE_UNAVAILABLE) {
      return { body: errorBody(503, 'KTO_ERR_API_STORE_UNAVAILABLE', 'storage cannot be reached; retry later'), internal: false };
    }
    return { body: errorBody(500, 'KTO_ERR_INTERNAL', 'internal error'), internal: true };
  }
  const fe = err as Partial<FastifyError> | null;
  if (fe != null && typeof fe === 'object') {
    if (fe.validation !== undefined) {
      return { body: errorBody(400, 'KTO_ERR_API_BAD_REQUEST', fe.message ?? 'invalid request'), internal: false };
    }
    switch (fe.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return { body: errorBody(413, 'KTO_ERR_API_TOO_LARGE', 'request body is too large'), internal: false };
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return { body: errorBody(415, 'KTO_ERR_API_UNSUPPORTED_MEDIA_TYPE', 'unsupported content-type'), internal: false };
      default:
        break;
    }
    // Client errors raised by fastify itself (bad JSON, bad content-length, ...): say what it said.
    const status = fe.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return { body: errorBody(status, 'KTO_ERR_API_BAD_REQUEST', fe.message ?? 'bad request'), internal: false };
    }
  }
  return { body: errorBody(500, 'KTO_ERR_INTERNAL', 'internal error'), internal: true };
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const { body, internal } = toErrorBody(err);
    if (internal) req.log.error({ err }, 'unhandled error');
    else if (body.statusCode >= 500) req.log.warn({ code: body.code }, body.message);
    void reply.code(body.statusCode).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) => {
    void reply.code(404).send(errorBody(404, 'KTO_ERR_API_NOT_FOUND', `no route ${req.method} ${(req.url.split('?')[0] ?? '').slice(0, 200)}`));
  });
}
