// GET /v1/zones/:zone/observations: a JSON page with keyset pagination, or every matching row as
// NDJSON (format=ndjson or Accept: application/x-ndjson), streamed with backpressure.
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { KtoError } from '@kto/core';
import type { FastifyReply } from 'fastify';
import type { RouteOptions } from '../../context.js';
import { decodeCursor, encodeCursor } from '../../query/cursor.js';
import { rowToJson, type ObservationJsonValue } from '../../query/observation-json.js';
import { parseTime } from '../../query/time.js';
import { errorResponses, ZoneParams } from '../../schemas/common.js';
import { DEFAULT_PAGE, ObservationJson, ObservationPage, ObservationsQuery } from '../../schemas/observations.js';
import type { ObservationQuery, ObservationRow } from '../../storage/types.js';
import { qtypeFromInput, zoneFromInput } from '../../zones/inputs.js';

const NDJSON = 'application/x-ndjson';

export const observationRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { ctx }) => {
  app.get('/v1/zones/:zone/observations', {
    schema: {
      summary: 'Observations of a zone, oldest first',
      description: 'Ordered by (observed_at_ms, agent_id, seq, idx). JSON pages carry next_cursor; '
        + 'format=ndjson (or Accept: application/x-ndjson) streams one observation per line instead.',
      tags: ['zones'],
      params: ZoneParams,
      querystring: ObservationsQuery,
      produces: ['application/json', NDJSON],
      response: { 200: ObservationPage, ...errorResponses(400, 503) },
    },
  }, async (req, reply) => {
    const q = req.query;
    const filter: Omit<ObservationQuery, 'limit' | 'after'> = { zone: zoneFromInput(req.params.zone) };
    if (q.from !== undefined) filter.fromMs = parseTime(q.from, 'from');
    if (q.to !== undefined) filter.toMs = parseTime(q.to, 'to');
    if (q.agent !== undefined) filter.agentId = q.agent;
    if (q.qtype !== undefined) filter.qtype = qtypeFromInput(q.qtype);
    const ndjson = q.format === 'ndjson' || (q.format === undefined && (req.headers.accept ?? '').includes(NDJSON));

    if (ndjson) {
      if (q.cursor !== undefined) {
        throw new KtoError('KTO_ERR_API_BAD_REQUEST', 'cursor pages JSON results; an NDJSON stream has every row (narrow it with from/to)');
      }
      // fastify's compiled serializer for one observation (the schema is a plain JSON Schema object)
      const serialize = reply.compileSerializationSchema(ObservationJson as unknown as Record<string, unknown>) as
        (v: ObservationJsonValue) => string;
      const source = ctx.store.streamObservations(q.limit === undefined ? filter : { ...filter, limit: q.limit });
      const it = source[Symbol.asyncIterator]();
      // Fetch the first chunk before answering, so a failing store still gets a proper error status.
      const first = await it.next();
      async function* lines(): AsyncGenerator<string> {
        try {
          let r: IteratorResult<ObservationRow[]> = first;
          while (r.done !== true) {
            let text = '';
            for (const row of r.value) text += serialize(rowToJson(row)) + '\n';
            if (text !== '') yield text;
            r = await it.next();
          }
        } finally {
          await it.return?.();
        }
      }
      // A stream is sent as is: the JSON page schema (and its type) does not apply to this branch.
      return (reply as FastifyReply).type(NDJSON).send(Readable.from(lines(), { objectMode: false }));
    }

    const limit = q.limit ?? DEFAULT_PAGE;
    const query: ObservationQuery = { ...filter, limit: limit + 1 };
    if (q.cursor !== undefined) query.after = decodeCursor(q.cursor);
    const rows = await ctx.store.queryObservations(query);
    const more = rows.length > limit;
    if (more) rows.length = limit;
    const last = rows[rows.length - 1];
    return {
      observations: rows.map(rowToJson),
      next_cursor: more && last !== undefined ? encodeCursor(last) : null,
    };
  });
};
