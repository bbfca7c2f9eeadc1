// Schemas shared by every route: the JSON error body and the zone path parameter.
import { Type, type TSchema } from 'typebox';

/** Every error response of the API: {statusCode, code, error, message}. */
export const ErrorBody = Type.Object({
  statusCode: Type.Integer({ description: 'HTTP status code' }),
  code: Type.String({ description: 'stable error code KTO_ERR_* (docs/errors.md)' }),
  error: Type.String({ description: 'HTTP status text' }),
  message: Type.String({ description: 'what went wrong, for humans' }),
}, { description: 'An error' });

/** Response schemas for the given error statuses, all with the error body. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const s of statuses) out[s] = ErrorBody;
  return out;
}

export const ZoneParams = Type.Object({
  zone: Type.String({
    maxLength: 1024,
    description: 'zone name, with or without the trailing dot; the root is "." (URL-encoded %2E) or "@"',
  }),
});

/** Admin routes carry this OpenAPI security requirement. */
export const ADMIN_SECURITY = [{ adminToken: [] }];
