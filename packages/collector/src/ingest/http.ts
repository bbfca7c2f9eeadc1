// POST /v1/ingest: body = SignedBatch bytes (application/x-protobuf), response body = Ack bytes.
// 200 STORED/DUPLICATE; 400/401/403/409/413/415 REJECTED; 429/503 RETRY with retry-after (seconds).
// Errors before the handler (size limit, content-type) are answered as Acks too.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Ack, AckStatus } from '@kto/proto';
import type { RouteOptions } from '../context.js';
import { ackHttpStatus, type AckFields } from './ingest.js';

const PROTOBUF = 'application/x-protobuf';

function sendAck(reply: FastifyReply, ack: AckFields): FastifyReply {
  const status = ackHttpStatus(ack);
  if (ack.status === AckStatus.ACK_STATUS_RETRY) reply.header('retry-after', String(Math.max(1, Math.ceil(ack.retryAfterMs / 1000))));
  return reply.code(status).type(PROTOBUF).send(Buffer.from(Ack.encode(ack).finish()));
}

function ackFor(code: string, message: string, retryAfterMs = 0): AckFields {
  return {
    agentId: '', seq: 0, status: retryAfterMs > 0 ? AckStatus.ACK_STATUS_RETRY : AckStatus.ACK_STATUS_REJECTED,
    errorCode: code, message, retryAfterMs, rows: 0,
  };
}

export const httpIngestRoutes: FastifyPluginAsync<RouteOptions> = async (app, { ctx }) => {
  // Only protobuf bodies in this scope: anything else is 415, answered as an Ack below.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(PROTOBUF, { parseAs: 'buffer', bodyLimit: ctx.limits.maxBodyBytes },
    (_req: FastifyRequest, body: Buffer, done: (err: Error | null, body?: Buffer) => void) => done(null, body));

  app.post('/v1/ingest', {
    schema: {
      summary: 'Ingest one signed batch (HTTP fallback of the WebSocket)',
      description: 'Body: kto.v1.SignedBatch; response: kto.v1.Ack (both application/x-protobuf).',
      tags: ['ingest'],
      consumes: [PROTOBUF],
      produces: [PROTOBUF],
    },
    errorHandler: (err: { code?: string; statusCode?: number; message?: string }, req, reply) => {
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        ctx.metrics.batch('rejected', 'KTO_ERR_INGEST_TOO_LARGE', 0);
        return sendAck(reply, ackFor('KTO_ERR_INGEST_TOO_LARGE', `the body exceeds ${ctx.limits.maxBodyBytes} bytes`));
      }
      if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        ctx.metrics.batch('rejected', 'KTO_ERR_INGEST_BAD_CONTENT_TYPE', 0);
        return sendAck(reply, ackFor('KTO_ERR_INGEST_BAD_CONTENT_TYPE', `content-type must be ${PROTOBUF}`));
      }
      if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
        // Body could not be read (bad content-length, aborted upload): not a batch at all.
        return sendAck(reply, ackFor('KTO_ERR_INGEST_BAD_PROTOBUF', err.message ?? 'the body could not be read'));
      }
      req.log.error({ err }, 'ingest request failed');
      return sendAck(reply, ackFor('KTO_ERR_INTERNAL', 'internal error', ctx.insert.retryMaxMs));
    },
  }, async (req, reply) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0); // no body: rejected as not a SignedBatch
    return sendAck(reply, await ctx.ingestor.ingestBatch(body));
  });
};
