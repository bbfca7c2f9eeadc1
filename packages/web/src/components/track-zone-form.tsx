// Track a new zone (POST /v1/zones with the admin bearer token). The token stays in sessionStorage:
// gone when the tab closes, never in the URL or localStorage.
import { useState } from 'preact/hooks';
import { api } from '../api-context.js';

const TOKEN_KEY = 'kto.adminToken';

function storedToken(): string {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

export function TrackZoneForm({ onTracked }: { onTracked: () => void }) {
  const [zone, setZone] = useState('');
  const [interval, setIntervalS] = useState('');
  const [auth, setAuth] = useState(true);
  const [token, setToken] = useState(storedToken);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setResult(null);
    try {
      try { sessionStorage.setItem(TOKEN_KEY, token); } catch { /* storage disabled: keep it in memory only */ }
      const body = { zone: zone.trim(), query_authoritatives: auth, ...(interval.trim() === '' ? {} : { interval_s: Number(interval) }) };
      const z = await api.trackZone(body, token.trim());
      setResult({ ok: true, text: `Now tracking ${z.zone}; agents get it at once.` });
      setZone('');
      onTracked();
    } catch (err) {
      const code = (err as { code?: string }).code;
      setResult({ ok: false, text: `${(err as Error).message}${code === undefined ? '' : ` (${code})`}` });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="track-h">
      <h2 id="track-h">Track a zone</h2>
      <form class="track" onSubmit={(e) => void submit(e)}>
        <label>Zone <input name="zone" required value={zone} placeholder="example.com." autoComplete="off" onInput={(e) => setZone(e.currentTarget.value)} /></label>
        <label>Query interval (s) <input name="interval_s" type="number" min={0} max={86400} value={interval} placeholder="agent default" onInput={(e) => setIntervalS(e.currentTarget.value)} /></label>
        <label class="check"><input name="query_authoritatives" type="checkbox" checked={auth} onChange={(e) => setAuth(e.currentTarget.checked)} /> also ask the authoritative servers</label>
        <label>Admin token <input name="token" type="password" required value={token} autoComplete="off" onInput={(e) => setToken(e.currentTarget.value)} /></label>
        <button type="submit" disabled={busy}>{busy ? 'Tracking…' : 'Track'}</button>
      </form>
      <p role="status" aria-live="polite" class={result === null ? '' : result.ok ? 'ok' : 'error'}>{result?.text ?? ''}</p>
    </section>
  );
}
