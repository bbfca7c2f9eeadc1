// Loads the analyzer for a running collector. @kto/analyzer depends on @kto/collector (its batch mode
// reads the Store), so the collector cannot import it statically (TypeScript project references must
// not form a cycle): the entry point loads it at run time, by package name, and checks its shape.
import type { ZoneAnalyzer } from './types.js';

/** The module that exports `zoneAnalyzer` (packages/analyzer/src/batch/index.ts). */
export const ANALYZER_MODULE = '@kto/analyzer/batch';

function isZoneAnalyzer(v: unknown): v is ZoneAnalyzer {
  const a = v as Partial<ZoneAnalyzer> | null;
  return typeof a === 'object' && a !== null && typeof a.name === 'string' && typeof a.analyze === 'function';
}

/**
 * The installed analyzer, or null with the reason when it cannot be loaded (not installed, not built):
 * the collector then runs without live analysis and serves stored analyses only.
 */
export async function loadZoneAnalyzer(specifier: string = ANALYZER_MODULE): Promise<{ analyzer: ZoneAnalyzer } | { analyzer: null; reason: string }> {
  let mod: { zoneAnalyzer?: unknown };
  try {
    mod = (await import(specifier)) as { zoneAnalyzer?: unknown };
  } catch (err) {
    return { analyzer: null, reason: `cannot load ${specifier}: ${(err as Error).message}` };
  }
  if (!isZoneAnalyzer(mod.zoneAnalyzer)) return { analyzer: null, reason: `${specifier} exports no zoneAnalyzer { name, analyze }` };
  return { analyzer: mod.zoneAnalyzer };
}
