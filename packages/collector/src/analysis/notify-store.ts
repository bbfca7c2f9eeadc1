// A Store that reports every successful insert of observations (or, when the writer folds runs, of the
// runs folded from them, which follow the rows): what the live analysis needs to know which zones
// changed, without touching the writer. Every other member is the wrapped store's own.
import type { Store } from '../storage/types.js';

export function notifyingStore(
  store: Store, onStored: (rows: readonly { zone: string }[]) => void, after: 'observations' | 'runs' = 'observations',
): Store {
  // every argument passes through as it came (the runs insert has optional ones: samples, extents)
  const insertObservations = async (...args: Parameters<Store['insertObservations']>): Promise<void> => {
    await store.insertObservations(...args);
    if (after === 'observations') onStored(args[0]);
  };
  const insertRuns = async (...args: Parameters<Store['insertRuns']>): Promise<void> => {
    await store.insertRuns(...args);
    if (after === 'runs') onStored(args[0]);
  };
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'insertObservations') return insertObservations;
      if (prop === 'insertRuns') return insertRuns;
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      // methods run on the wrapped store (its private state), bound once
      let fn = bound.get(prop);
      if (fn === undefined) bound.set(prop, (fn = (value as (...a: unknown[]) => unknown).bind(target)));
      return fn;
    },
  });
}
