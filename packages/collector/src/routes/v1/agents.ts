// GET /v1/agents (public) and POST /v1/agents/:agent_id/revoke (admin).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { KtoError } from '@kto/core';
import type { RouteOptions } from '../../context.js';
import { AgentList, AgentParams, RevokeResponse } from '../../schemas/agents.js';
import { ADMIN_SECURITY, errorResponses } from '../../schemas/common.js';

const DAY_MS = 86_400_000;

export const agentRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { ctx }) => {
  app.get('/v1/agents', {
    schema: {
      summary: 'List agents with their activity of the last 24 h',
      tags: ['agents'],
      response: { 200: AgentList, ...errorResponses(503) },
    },
  }, async () => {
    const [agents, activity] = await Promise.all([ctx.store.listAgents(), ctx.store.agentActivity(ctx.now() - DAY_MS)]);
    return {
      agents: agents.map((a) => {
        const act = activity.get(a.agent_id);
        return {
          agent_id: a.agent_id,
          name: a.name,
          location: { country: a.country, continent: a.continent, asn: a.asn },
          enrolled_at_ms: a.enrolled_at_ms,
          revoked: a.revoked !== 0,
          revoked_at_ms: a.revoked !== 0 ? a.revoked_at_ms : null,
          last_seen_ms: act?.last_observed_at_ms ?? null,
          observations_24h: act?.observations ?? 0,
        };
      }),
    };
  });

  app.post('/v1/agents/:agent_id/revoke', {
    onRequest: ctx.requireAdmin,
    schema: {
      summary: 'Revoke an agent: its batches and connections are refused from now on',
      tags: ['agents'],
      security: ADMIN_SECURITY,
      params: AgentParams,
      response: { 200: RevokeResponse, ...errorResponses(401, 403, 404, 503) },
    },
  }, async (req) => {
    const rec = await ctx.enrolment.revoke(req.params.agent_id);
    if (rec === null) throw new KtoError('KTO_ERR_API_AGENT_NOT_FOUND', `no agent ${JSON.stringify(req.params.agent_id)}`);
    ctx.agents.put(rec);
    ctx.hub.closeAgent(rec.agent_id, 'KTO_ERR_INGEST_AGENT_REVOKED', 'the agent has been revoked');
    req.log.info({ agentId: rec.agent_id }, 'agent revoked');
    return { agent_id: rec.agent_id, revoked: true, revoked_at_ms: rec.revoked_at_ms };
  });
};
