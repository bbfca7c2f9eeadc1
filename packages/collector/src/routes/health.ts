// GET /healthz: 200 {status: ok, store: up} or 503 {status: degraded, store: down}.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RouteOptions } from '../context.js';
import { Health } from '../schemas/health.js';

const PING_TIMEOUT_MS = 2_000;

export const healthRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { ctx }) => {
  app.get('/healthz', {
    schema: { summary: 'Liveness and storage reachability', tags: ['operations'], response: { 200: Health, 503: Health } },
  }, async (_req, reply) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(resolve, PING_TIMEOUT_MS, false);
    });
    const up = await Promise.race([ctx.store.ping().catch(() => false), timeout]).finally(() => clearTimeout(timer));
    return reply.code(up ? 200 : 503).send({ status: up ? 'ok' : 'degraded', store: up ? 'up' : 'down', version: ctx.version });
  });
};
