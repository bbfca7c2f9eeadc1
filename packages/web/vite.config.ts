// Vite build of the dashboard: a static bundle in dist/ that the collector serves at / (plugins/web.ts).
// Dev server: `npx vite packages/web` proxies /v1 (HTTP and WebSocket) to a collector on 127.0.0.1:8053.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const collector = process.env['KTO_COLLECTOR_URL'] ?? 'http://127.0.0.1:8053';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  resolve: {
    // The dashboard needs only KtoError from core: take core's errors module, not its index (which
    // pulls the crypto libraries into the bundle).
    alias: { '@kto/core': fileURLToPath(new URL('../core/src/errors.ts', import.meta.url)) },
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: {
    proxy: { '/v1': { target: collector, ws: true } },
  },
});
