// Loading / error / data state of one async load, re-run when its key changes; stale results of an
// earlier key are dropped (AbortController).
import { useCallback, useEffect, useState } from 'preact/hooks';

export type AsyncState<T> =
  | { status: 'loading'; data: T | null }
  | { status: 'error'; error: Error & { code?: string }; data: T | null }
  | { status: 'ready'; data: T };

export function useAsync<T>(key: string, load: (signal: AbortSignal) => Promise<T>): [AsyncState<T>, () => void] {
  const [state, setState] = useState<AsyncState<T>>({ status: 'loading', data: null });
  const [round, setRound] = useState(0);
  useEffect(() => {
    const ac = new AbortController();
    setState((s) => ({ status: 'loading', data: s.data }));
    load(ac.signal).then(
      (data) => { if (!ac.signal.aborted) setState({ status: 'ready', data }); },
      (err: unknown) => {
        if (!ac.signal.aborted) setState((s) => ({ status: 'error', error: err as Error & { code?: string }, data: s.data }));
      },
    );
    return () => ac.abort(); // `load` is keyed by `key`: a new key (or reload) runs it again
  }, [key, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return [state, reload];
}
