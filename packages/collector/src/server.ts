// Running a collector: open and migrate the store, build the app, listen, and shut down gracefully on
// SIGINT / SIGTERM (stop accepting, flush pending rows, close the store). The only file that touches
// process signals.
import pino, { type Logger } from 'pino';
import { loadZoneAnalyzer } from './analysis/load.js';
import { build, type BuildOptions } from './app.js';
import type { ListenAddress } from './config.js';
import { openStore, type StoreOptions } from './storage/index.js';
import type { Store } from './storage/types.js';

export interface ServeOptions {
  listen: ListenAddress;
  store: StoreOptions;
  adminToken: string;
  logger: Logger;
  limits?: BuildOptions['limits'];
  insert?: BuildOptions['insert'];
  /** Called once listening, with the bound URL. */
  onListening?: (url: string) => void;
}

export interface RunningCollector {
  /** The bound address, e.g. http://127.0.0.1:8080 */
  url: string;
  /** Stops accepting, flushes pending rows, closes the store. Idempotent. */
  stop(): Promise<void>;
}

/** Logs as JSON to stderr (stdout stays for data), with credentials redacted. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { component: 'kto-collector' },
    redact: ['req.headers.authorization', 'headers.authorization', 'password', 'token', 'adminToken'],
  }, pino.destination(2));
}

/**
 * Fault injection for the durability tests, from the environment only (never a flag, so that it cannot
 * be switched on by accident): KTO_FAULT_ACK_DELAY_MS holds every STORED ack that long.
 */
function faultsFromEnv(): { faults?: { ackDelayMs: number } } {
  const ackDelayMs = Number(process.env['KTO_FAULT_ACK_DELAY_MS'] ?? 0);
  return Number.isInteger(ackDelayMs) && ackDelayMs > 0 ? { faults: { ackDelayMs } } : {};
}

/** Opens the store, migrates it and starts listening. */
export async function startCollector(opts: ServeOptions): Promise<RunningCollector> {
  const log = opts.logger;
  let store: Store | null = null;
  try {
    store = await openStore(opts.store);
    const report = await store.migrate();
    log.info({ mode: store.mode, serverVersion: report.serverVersion, applied: report.applied }, 'store ready');
    const loaded = await loadZoneAnalyzer();
    if (loaded.analyzer === null) log.warn({ reason: loaded.reason }, 'no analyzer: live analysis is off, the analysis routes serve stored results only');
    const app = build({
      store, adminToken: opts.adminToken, logger: log, processMetrics: true,
      ...(loaded.analyzer !== null ? { analysis: { analyzer: loaded.analyzer } } : {}),
      ...(opts.limits !== undefined ? { limits: opts.limits } : {}),
      ...(opts.insert !== undefined ? { insert: opts.insert } : {}),
      ...faultsFromEnv(),
    });
    const url = await app.listen({ host: opts.listen.host, port: opts.listen.port });
    log.info({ url }, 'listening');
    opts.onListening?.(url);
    const openStoreRef = store;
    let stopping: Promise<void> | null = null;
    return {
      url,
      stop: () => (stopping ??= (async () => {
        try {
          await app.close();
        } finally {
          await openStoreRef.close();
        }
      })()),
    };
  } catch (err) {
    await store?.close().catch(() => undefined);
    throw err;
  }
}

/** Runs until SIGINT or SIGTERM; a second signal exits at once. Resolves after a clean stop. */
export async function runCollector(opts: ServeOptions): Promise<void> {
  const running = await startCollector(opts);
  const log = opts.logger;
  await new Promise<void>((resolve, reject) => {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (signalled) {
        log.warn({ signal }, 'second signal: exiting without a clean shutdown');
        process.exit(1);
      }
      signalled = true;
      log.info({ signal }, 'shutting down: flushing pending rows');
      running.stop().then(() => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        log.info('stopped');
        resolve();
      }, reject);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
