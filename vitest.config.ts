import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));
// Tests import sibling packages from source, so a unit test never depends on a stale build.
const alias = {
  '@kto/core/node': fileURLToPath(new URL('./packages/core/src/node.ts', import.meta.url)),
  '@kto/core': src('core'),
  '@kto/proto': src('proto'),
  '@kto/agent': src('agent'),
  '@kto/collector': src('collector'),
  '@kto/lab': src('lab'),
  '@kto/analyzer/batch': fileURLToPath(new URL('./packages/analyzer/src/batch/index.ts', import.meta.url)),
  '@kto/analyzer': src('analyzer'),
};

const project = (name: string, include: string[], extra: Record<string, unknown> = {}) => ({
  resolve: { alias },
  test: { name, include, ...extra },
});

export default defineConfig({
  test: {
    projects: [
      project('proto', ['packages/proto/src/**/*.test.ts']),
      project('core', ['packages/core/src/**/*.test.ts']),
      project('agent', ['packages/agent/src/**/*.test.ts']),
      project('collector', ['packages/collector/src/**/*.test.ts'], { testTimeout: 30_000 }),
      project('analyzer', ['packages/analyzer/src/**/*.test.ts'], { testTimeout: 60_000 }),
      project('web', ['packages/web/src/**/*.test.ts'], { testTimeout: 60_000 }),
      // The lab binds 127.x addresses on port 53 and runs Unbound: one file at a time.
      project('lab', ['packages/lab/src/**/*.test.ts'], { testTimeout: 300_000, hookTimeout: 120_000, fileParallelism: false }),
      // Real servers (Unbound, Knot, ClickHouse) and whole-system tests: one file at a time, since
      // they bind fixed 127.0.0.x addresses and start native servers on a 2-core machine.
      project('integration', ['test/**/*.test.ts'], {
        testTimeout: 180_000,
        hookTimeout: 120_000,
        fileParallelism: false,
      }),
    ],
  },
});
