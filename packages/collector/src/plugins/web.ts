// The web dashboard (packages/web, built by Vite into packages/web/dist) served at /. Static files
// only, read from the build directory on each request (so a rebuild needs no restart); the API
// (/v1/..., /healthz, /metrics, /openapi.json) is never shadowed: unknown paths under it stay JSON 404s.
// Without a build, / answers 503 with a page that says how to build it.
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

export interface WebOptions {
  /** Directory of the built dashboard (its index.html and assets/). */
  root: string;
}

/** packages/web/dist, from this file in either src/plugins or dist/plugins of the collector. */
export function defaultWebRoot(): string {
  return fileURLToPath(new URL('../../../web/dist/', import.meta.url));
}

const API_PATHS = /^\/(?:v1|healthz|metrics|openapi\.json)(?:\/|$)/;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** The page's own policy: everything from this origin, WebSocket back to it, nothing external. */
const CSP = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
  + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>KTO dashboard not built</title></head>
<body><main><h1>The KTO dashboard is not built</h1>
<p>This collector serves the dashboard from <code>packages/web/dist</code>, which does not exist yet.
Build it with <code>npm run build -w @kto/web</code> (or <code>npm start</code>), then reload.</p>
<p>The API works without it: <a href="/openapi.json">/openapi.json</a>, <a href="/healthz">/healthz</a>.</p></main></body></html>
`;

async function fileAt(root: string, urlPath: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const path = resolve(root, `.${decoded}`);
  if (path !== root && !path.startsWith(root.endsWith(sep) ? root : root + sep)) return null; // outside the build
  const st = await stat(path).catch(() => null);
  return st?.isFile() === true ? path : null;
}

async function sendFile(reply: FastifyReply, path: string, immutable: boolean): Promise<FastifyReply> {
  const body = await readFile(path);
  void reply
    .type(TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream')
    .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    .header('x-content-type-options', 'nosniff');
  if (path.endsWith('.html')) void reply.header('content-security-policy', CSP);
  return reply.send(body);
}

export const webRoutes: FastifyPluginAsync<WebOptions> = async (app, opts) => {
  const root = resolve(opts.root);
  const index = resolve(root, 'index.html');

  const serve = async (urlPath: string, reply: FastifyReply): Promise<FastifyReply> => {
    if (urlPath !== '/') {
      const file = await fileAt(root, urlPath);
      if (file !== null) return sendFile(reply, file, urlPath.startsWith('/assets/'));
      // a missing asset is a plain 404; any other path is a page of the app (its routes are hash routes,
      // so this only catches links typed by hand, such as /zone/example.com)
      if (urlPath.startsWith('/assets/') || TYPES[extname(urlPath).toLowerCase()] !== undefined) {
        reply.callNotFound();
        return reply;
      }
    }
    const st = await stat(index).catch(() => null);
    if (st?.isFile() !== true) {
      return reply.code(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').header('retry-after', '60').send(NOT_BUILT);
    }
    return sendFile(reply, index, false);
  };

  app.get('/', { schema: { hide: true } }, async (_req, reply) => serve('/', reply));
  app.get('/*', { schema: { hide: true } }, async (req, reply) => {
    const path = req.url.split('?')[0] ?? '/';
    if (API_PATHS.test(path)) {
      reply.callNotFound();
      return reply;
    }
    return serve(path, reply);
  });
};
