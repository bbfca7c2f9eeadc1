// Regions table: per continent/country, which key set its vantage points see now, their lag against the
// bound their TTLs allow, and lagging regions highlighted; each region expands to its vantage points.
import { duration } from '../format.js';
import type { RegionRow } from '../shape/regions.js';

export function RegionsTable({ rows }: { rows: readonly RegionRow[] }) {
  return (
    <table class="regions">
      <caption class="sr-only">Vantage points per region, lagging regions first</caption>
      <thead><tr><th scope="col">Region</th><th scope="col">Vantage points</th><th scope="col">Lagging</th><th scope="col">Max lag / bound</th><th scope="col">Key sets seen now</th></tr></thead>
      <tbody>
        {rows.map((r) => {
          const sets = [...new Set(r.vantages.map((v) => v.keyset.join(' ') || 'none'))];
          return (
            <tr key={r.region} data-testid="region-row" data-region={r.region} data-lagging={String(r.lagging)} class={r.lagging ? 'lagging' : ''}>
              <th scope="row">{r.region}{r.lagging && <strong class="flag"> lagging</strong>}</th>
              <td class="num">{r.vantages.length}</td>
              <td class="num">{r.lagging_vantages}</td>
              <td>{duration(r.max_lag_ms)} / {duration(r.bound_ms)}</td>
              <td>
                <details>
                  <summary>{sets.join(' | ')}</summary>
                  <ul>
                    {r.vantages.map((v) => (
                      <li key={v.lag.vantage} class={v.lag.lagging ? 'lagging' : ''}>
                        {v.lag.server || v.lag.vantage} ({v.lag.kind}, agent {v.lag.agent_id.slice(0, 8)}): keys {v.keyset.join(' ') || 'none'};
                        lag {duration(v.lag.max_lag_ms)} of {duration(v.lag.bound_ms)} allowed
                        {Object.keys(v.lag.ttl_seen_s).length > 0 ? `; TTL seen ${Object.entries(v.lag.ttl_seen_s).map(([s, ttl]) => `${s} ${ttl}s`).join(', ')}` : ''}
                        {v.lag.lagging ? ' — lagging' : ''}
                      </li>
                    ))}
                  </ul>
                </details>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
