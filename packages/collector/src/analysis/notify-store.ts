// A Store that reports every successful insertObservations: what the live analysis needs to know which
// zones changed, without touching the writer. Every other member is the wrapped store's own.
import type { ObservationRow, Store } from '../storage/types.js';

export function notifyingStore(store: Store, onStored: (rows: readonly ObservationRow[]) => void): Store {
  const insertObservations = async (rows: readonly ObservationRow[]): Promise<void> => {
    await store.insertObservations(rows);
    onStored(rows);
  };
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'insertObservations') return insertObservations;
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      // methods run on the wrapped store (its private state), bound once
      let fn = bound.get(prop);
      if (fn === undefined) bound.set(prop, (fn = (value as (...a: unknown[]) => unknown).bind(target)));
      return fn;
    },
  });
}
