// The raw observations, a click away: pages of the stored rows (newest analysis window first page) and
// the NDJSON export of everything.
import { useState } from 'preact/hooks';
import type { ObservationRow } from '../api/types.js';
import { api } from '../api-context.js';
import { utc } from '../format.js';

const PAGE = 100;

export function ObservationsPanel({ zone }: { zone: string }) {
  const [rows, setRows] = useState<ObservationRow[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const load = async (next: string | null): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const page = await api.observations(zone, next === null ? { limit: PAGE } : { limit: PAGE, cursor: next });
      setRows((r) => (next === null || r === null ? page.observations : [...r, ...page.observations]));
      setCursor(page.next_cursor);
    } catch (err) {
      const code = (err as { code?: string }).code;
      setError(`${(err as Error).message}${code === undefined ? '' : ` (${code})`}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="raw-h">
      <h2 id="raw-h">Raw observations</h2>
      <p>
        <button type="button" onClick={() => void load(null)} disabled={busy}>{rows === null ? 'Show raw observations' : 'Reload'}</button>{' '}
        <a href={api.observationsExportUrl(zone)} download>Export all as NDJSON</a>
      </p>
      {error !== null && <p role="alert" class="error">{error}</p>}
      {rows !== null && rows.length === 0 && <p class="state empty">No observation of this zone is stored.</p>}
      {rows !== null && rows.length > 0 && (
        <div class="scroll" tabIndex={0} aria-label="raw observations table">
          <table class="raw">
            <caption class="sr-only">Stored observations, oldest first</caption>
            <thead><tr><th scope="col">Time</th><th scope="col">Agent</th><th scope="col">Where</th><th scope="col">Server</th><th scope="col">Query</th><th scope="col">Status</th><th scope="col">AD</th><th scope="col">TTL</th><th scope="col">DNSKEY tags</th><th scope="col">RRSIG tags</th></tr></thead>
            <tbody>
              {rows.map((o, i) => (
                <tr key={i}>
                  <td>{utc(o.observed_at_ms)}</td>
                  <td title={o.agent_id}>{o.agent_id.slice(0, 8)}</td>
                  <td>{o.continent}/{o.country}</td>
                  <td>{o.server} {o.transport}</td>
                  <td>{o.qname} {String(o.qtype)}</td>
                  <td>{o.status} {String(o.rcode)}</td>
                  <td>{o.ad ? 'AD' : ''}</td>
                  <td class="num">{o.answer_ttl}</td>
                  <td>{(o.dnskey_key_tags ?? []).join(' ')}</td>
                  <td>{(o.rrsig_key_tags ?? []).join(' ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor !== null && rows !== null && <button type="button" disabled={busy} onClick={() => void load(cursor)}>Next {PAGE}</button>}
    </section>
  );
}
