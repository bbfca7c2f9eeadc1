// The dashboard at /: files from the build directory with their types and cache policy, the API never
// shadowed, no way out of the build directory, and a 503 page when there is no build.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness } from '../testing/harness.js';
import { defaultWebRoot } from './web.js';

describe('web dashboard plugin', () => {
  let dir = '';
  let root = '';
  let h: Harness | undefined;
  const INDEX = '<!doctype html><title>KTO test build</title><script type="module" src="/assets/app-1.js"></script>\n';
  const SCRIPT = 'console.log("dashboard");\n';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kto-web-'));
    root = join(dir, 'dist');
    await mkdir(join(root, 'assets'), { recursive: true });
    await writeFile(join(root, 'index.html'), INDEX);
    await writeFile(join(root, 'assets', 'app-1.js'), SCRIPT);
    await writeFile(join(root, 'assets', 'app-1.css'), 'body{}');
    await writeFile(join(dir, 'secret.txt'), 'outside the build');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await h?.app.close();
    h = undefined;
  });

  it('serves index.html at / (no-cache, CSP) and hashed assets as immutable with their types', async () => {
    h = await harness({ webRoot: root });
    const page = await h.app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(String(page.headers['content-security-policy'])).toContain("default-src 'self'");
    expect(page.body).toBe(INDEX);
    const js = await h.app.inject({ method: 'GET', url: '/assets/app-1.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toContain('immutable');
    expect(js.body).toBe(SCRIPT);
    const css = await h.app.inject({ method: 'GET', url: '/assets/app-1.css?v=1' });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const head = await h.app.inject({ method: 'HEAD', url: '/' });
    expect(head.statusCode).toBe(200);
  });

  it('paths without an extension get the app; missing assets are JSON 404s', async () => {
    h = await harness({ webRoot: root });
    const page = await h.app.inject({ method: 'GET', url: '/zone/example.com' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toBe(INDEX);
    const missing = await h.app.inject({ method: 'GET', url: '/assets/gone-2.js' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'KTO_ERR_API_NOT_FOUND' });
  });

  it('never shadows the API: /v1, /healthz, /metrics, /openapi.json keep their answers', async () => {
    h = await harness({ webRoot: root });
    const nope = await h.app.inject({ method: 'GET', url: '/v1/nope?x=1' });
    expect(nope.statusCode).toBe(404);
    expect(nope.json()).toEqual({ statusCode: 404, code: 'KTO_ERR_API_NOT_FOUND', error: 'Not Found', message: 'no route GET /v1/nope' });
    const v1 = await h.app.inject({ method: 'GET', url: '/v1' });
    expect(v1.statusCode).toBe(404);
    expect(v1.json()).toMatchObject({ code: 'KTO_ERR_API_NOT_FOUND' });
    const zones = await h.app.inject({ method: 'GET', url: '/v1/zones' });
    expect(zones.statusCode).toBe(200);
    expect(zones.json()).toMatchObject({ zones: [] });
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).json()).toMatchObject({ status: 'ok' });
    const metrics = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('kto_collector_');
    const doc = await h.app.inject({ method: 'GET', url: '/openapi.json' });
    const paths = Object.keys((doc.json() as { paths: Record<string, unknown> }).paths);
    expect(paths).toContain('/v1/zones');
    expect(paths.filter((p) => p === '/' || p.startsWith('/*'))).toEqual([]);
  });

  it('refuses paths that leave the build directory', async () => {
    h = await harness({ webRoot: root });
    for (const url of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/%00.js', '/%E0%A4%A.js']) {
      const res = await h.app.inject({ method: 'GET', url });
      expect([400, 404], url).toContain(res.statusCode); // fastify itself refuses malformed escapes (400)
      expect(res.body, url).not.toContain('outside the build');
    }
  });

  it('without a build: 503 HTML page saying how to build it; the API still works', async () => {
    h = await harness({ webRoot: join(dir, 'not-built') });
    const page = await h.app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(503);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('npm run build -w @kto/web');
    expect((await h.app.inject({ method: 'GET', url: '/v1/zones' })).statusCode).toBe(200);
  });

  it('webRoot null: no dashboard, / is a JSON 404', async () => {
    h = await harness({ webRoot: null });
    const res = await h.app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'KTO_ERR_API_NOT_FOUND' });
  });

  it('the default root is packages/web/dist', () => {
    expect(defaultWebRoot().replace(/\\/g, '/')).toMatch(/\/packages\/web\/dist\/$/);
  });
});
