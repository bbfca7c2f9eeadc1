// HTTP request counting and GET /metrics (Prometheus text format).
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { CollectorMetrics } from '../metrics.js';

/** Counts every response (a root hook: call before routes are registered). */
export function installMetrics(app: FastifyInstance, metrics: CollectorMetrics): void {
  app.addHook('onResponse', async (req: FastifyRequest, reply: FastifyReply) => {
    metrics.httpRequests.inc({
      method: req.method,
      route: req.routeOptions.url ?? 'unmatched',
      status_code: String(reply.statusCode),
    });
  });
}

/** GET /metrics. */
export const metricsRoutes: FastifyPluginAsync<{ metrics: CollectorMetrics }> = async (app, { metrics }) => {
  app.get('/metrics', {
    schema: { summary: 'Prometheus metrics', tags: ['operations'], produces: ['text/plain'] },
  }, async (_req, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
};
