// POST /v1/zones (admin), GET /v1/zones (public), DELETE /v1/zones/:zone (admin). Every change is
// pushed to the connected agents through the zone assignment.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { KtoError } from '@kto/core';
import type { RouteOptions } from '../../context.js';
import { ADMIN_SECURITY, errorResponses, ZoneParams } from '../../schemas/common.js';
import { ZoneBody, ZoneJson, ZoneList, ZoneRemoved } from '../../schemas/zones.js';
import type { ZoneRecord } from '../../storage/types.js';
import { zoneSpecOf } from '../../zones/assignment.js';
import { qtypeFromInput, zoneFromInput } from '../../zones/inputs.js';

export const zoneRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { ctx }) => {
  async function findZone(zone: string): Promise<ZoneRecord | undefined> {
    return (await ctx.store.listZones()).find((z) => z.zone === zone);
  }

  // Versions of zone rows (ReplacingMergeTree): newer than the row replaced and than every version
  // written here before, so that a zone removed and added back within one millisecond stays added.
  let lastVersion = 0;
  function nextVersion(replaced: ZoneRecord | undefined): number {
    lastVersion = Math.max(ctx.now(), (replaced?.updated_at_ms ?? 0) + 1, lastVersion + 1);
    return lastVersion;
  }

  app.post('/v1/zones', {
    onRequest: ctx.requireAdmin,
    schema: {
      summary: 'Track a zone, or change how it is tracked',
      description: 'Returns 201 when the zone was not tracked, 200 when its settings were replaced.',
      tags: ['zones'],
      security: ADMIN_SECURITY,
      body: ZoneBody,
      response: { 200: ZoneJson, 201: ZoneJson, ...errorResponses(400, 401, 403, 503) },
    },
  }, async (req, reply) => {
    const b = req.body;
    const zone = zoneFromInput(b.zone);
    const qtypes = [...new Set((b.qtypes ?? []).map(qtypeFromInput))].sort((x, y) => x - y);
    const old = await findZone(zone);
    const now = ctx.now();
    const rec: ZoneRecord = {
      zone,
      interval_s: b.interval_s ?? 0,
      qtypes,
      query_authoritatives: b.query_authoritatives === true ? 1 : 0,
      added_at_ms: old?.added_at_ms ?? now,
      removed: 0,
      updated_at_ms: nextVersion(old),
    };
    await ctx.store.putZone(rec);
    await ctx.zones.refresh();
    req.log.info({ zone, qtypes, interval_s: rec.interval_s }, old === undefined ? 'zone added' : 'zone updated');
    return reply.code(old === undefined ? 201 : 200).send(zoneSpecOf(rec));
  });

  app.get('/v1/zones', {
    schema: {
      summary: 'The tracked zones (the assignment agents receive)',
      tags: ['zones'],
      response: { 200: ZoneList, ...errorResponses(503) },
    },
  }, async () => {
    const state = await ctx.zones.latest();
    return { version: state.version, zones: state.zones };
  });

  app.delete('/v1/zones/:zone', {
    onRequest: ctx.requireAdmin,
    schema: {
      summary: 'Stop tracking a zone (its observations stay)',
      tags: ['zones'],
      security: ADMIN_SECURITY,
      params: ZoneParams,
      response: { 200: ZoneRemoved, ...errorResponses(400, 401, 403, 404, 503) },
    },
  }, async (req) => {
    const zone = zoneFromInput(req.params.zone);
    const old = await findZone(zone);
    if (old === undefined) throw new KtoError('KTO_ERR_API_ZONE_NOT_FOUND', `zone ${zone} is not tracked`);
    await ctx.store.putZone({ ...old, removed: 1, updated_at_ms: nextVersion(old) });
    await ctx.zones.refresh();
    req.log.info({ zone }, 'zone removed');
    return { zone, removed: true };
  });
};
