// What the kto-collector commands do (cli-program.ts parses, cli.ts runs).
import { isKtoError, KtoError } from '@kto/core';
import type { RebuildRunsConfig, ServeConfig, TokenCreateConfig } from './cli-program.js';
import { adminTokenPath, loadOrCreateAdminToken, readAdminToken, storeOptions } from './config.js';
import { createEnrolmentToken } from './enrolment.js';
import { createLogger, runCollector } from './server.js';
import { rebuildZoneRuns } from './runs/rebuild.js';
import { openStore } from './storage/index.js';

/** `kto-collector serve`: runs until SIGINT / SIGTERM. */
export async function serveCommand(cfg: ServeConfig): Promise<void> {
  const logger = createLogger(cfg.logLevel);
  const store = await storeOptions(cfg);
  const tokenFile = adminTokenPath(cfg.adminTokenFile, cfg.dataDir);
  const admin = await loadOrCreateAdminToken(tokenFile);
  if (admin.created) logger.info({ file: tokenFile }, 'generated a new admin token');
  if (admin.warning !== undefined) logger.warn(admin.warning);
  await runCollector({ listen: cfg.listen, store, adminToken: admin.token, logger, limits: cfg.limits, insert: cfg.insert });
}

/** `kto-collector token create`: writes the new token (one line) to `out`. */
export async function tokenCreateCommand(cfg: TokenCreateConfig, out: (line: string) => void): Promise<void> {
  if (cfg.api !== undefined) {
    const admin = await readAdminToken(adminTokenPath(cfg.adminTokenFile, cfg.dataDir));
    let res: Response;
    try {
      res = await fetch(new URL('/v1/enrolment-tokens', cfg.api), {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ label: cfg.label, ttl_s: cfg.ttlS, max_uses: cfg.maxUses }),
      });
    } catch (err) {
      throw new KtoError('KTO_ERR_CONFIG_INVALID', `cannot reach the collector at ${cfg.api}: ${(err as Error).message}`, undefined, { cause: err });
    }
    const body = (await res.json().catch(() => ({}))) as { token?: unknown; code?: unknown; message?: unknown };
    if (res.status !== 201 || typeof body.token !== 'string') {
      const code = typeof body.code === 'string' ? body.code : 'KTO_ERR_INTERNAL';
      throw new KtoError(code, `the collector answered ${res.status}: ${typeof body.message === 'string' ? body.message : ''}`);
    }
    out(body.token);
    return;
  }
  const store = await openStore(await storeOptions(cfg));
  try {
    await store.migrate();
    const { token } = await createEnrolmentToken(store, { label: cfg.label, ttlS: cfg.ttlS, maxUses: cfg.maxUses }, Date.now());
    out(token);
  } finally {
    await store.close();
  }
}

/** `kto-collector rebuild-runs`: one JSON line per rebuilt zone on `out`. */
export async function rebuildRunsCommand(cfg: RebuildRunsConfig, out: (line: string) => void): Promise<void> {
  const store = await openStore(await storeOptions(cfg));
  try {
    await store.migrate();
    const zones = cfg.zones.length > 0 ? cfg.zones.map(canonicalZone) : (await store.listZones()).map((z) => z.zone);
    for (const zone of zones) out(JSON.stringify(await rebuildZoneRuns(store, zone)));
  } finally {
    await store.close();
  }
}

/** Zone names as stored: lower case with a trailing dot. */
function canonicalZone(z: string): string {
  const l = z.trim().toLowerCase();
  return l.endsWith('.') ? l : `${l}.`;
}

/** Exit status for an error: 2 for configuration mistakes, 1 otherwise. */
export function exitCodeOf(err: unknown): number {
  return isKtoError(err, 'KTO_ERR_CONFIG_INVALID') || isKtoError(err, 'KTO_ERR_CONFIG_ADMIN_TOKEN_FILE') ? 2 : 1;
}
