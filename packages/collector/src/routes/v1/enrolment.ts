// POST /v1/enrolment-tokens (admin) and POST /v1/agents/enroll (holder of a token).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RouteOptions } from '../../context.js';
import { createEnrolmentToken } from '../../enrolment.js';
import { ADMIN_SECURITY, errorResponses } from '../../schemas/common.js';
import {
  CreateTokenBody, CreateTokenResponse, DEFAULT_TOKEN_MAX_USES, DEFAULT_TOKEN_TTL_S, EnrollBody, EnrollResponse,
} from '../../schemas/enrolment.js';

export const enrolmentRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { ctx }) => {
  app.post('/v1/enrolment-tokens', {
    onRequest: ctx.requireAdmin,
    schema: {
      summary: 'Create an enrolment token',
      tags: ['agents'],
      security: ADMIN_SECURITY,
      body: CreateTokenBody,
      response: { 201: CreateTokenResponse, ...errorResponses(400, 401, 403, 503) },
    },
  }, async (req, reply) => {
    const b = req.body ?? {};
    const { token, record } = await createEnrolmentToken(ctx.store, {
      label: b.label ?? '',
      ttlS: b.ttl_s ?? DEFAULT_TOKEN_TTL_S,
      maxUses: b.max_uses ?? DEFAULT_TOKEN_MAX_USES,
    }, ctx.now());
    req.log.info({ label: record.label, expires_at_ms: record.expires_at_ms, max_uses: record.max_uses }, 'enrolment token created');
    return reply.code(201).send({ token, label: record.label, expires_at_ms: record.expires_at_ms, max_uses: record.max_uses });
  });

  app.post('/v1/agents/enroll', {
    schema: {
      summary: 'Enrol an agent key with a token',
      description: 'Returns 201 for a new agent, 200 with the same agent_id when the key is already enrolled.',
      tags: ['agents'],
      body: EnrollBody,
      response: { 200: EnrollResponse, 201: EnrollResponse, ...errorResponses(400, 403, 503) },
    },
  }, async (req, reply) => {
    const { agent, created } = await ctx.enrolment.enrol(req.body);
    ctx.agents.put(agent);
    if (created) req.log.info({ agentId: agent.agent_id, country: agent.country }, 'agent enrolled');
    return reply.code(created ? 201 : 200).send({ agent_id: agent.agent_id, server_time_ms: ctx.now() });
  });
};
