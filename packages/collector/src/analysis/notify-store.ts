// A Store that reports every successful insert of observations (or, when the writer folds runs, of the
// runs folded from them, which follow the rows): what the live analysis needs to know which zones
// changed, without touching the writer. Every other member is the wrapped store's own.
import type { ObservationRow, RunRecord, Store } from '../storage/types.js';

export function notifyingStore(
  store: Store, onStored: (rows: readonly { zone: string }[]) => void, after: 'observations' | 'runs' = 'observations',
): Store {
  const insertObservations = async (rows: readonly ObservationRow[]): Promise<void> => {
    await store.insertObservations(rows);
    if (after === 'observations') onStored(rows);
  };
  const insertRuns = async (records: readonly RunRecord[]): Promise<void> => {
    await store.insertRuns(records);
    if (after === 'runs') onStored(records);
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
