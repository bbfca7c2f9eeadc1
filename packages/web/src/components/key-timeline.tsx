// Key timeline: one row per key, bars for published / signing / DS present, a mark for revocation.
// Plain positioned elements (percentages of the time axis): cheap to lay out for hundreds of keys.
import { algorithmName, keyLabel, utc } from '../format.js';
import { spanPercent, type Span, type Timeline } from '../shape/timeline.js';

function Bar({ kind, span, t }: { kind: 'published' | 'signing' | 'ds'; span: Span | null; t: Timeline }) {
  if (span === null) return null;
  const p = spanPercent(span, t.from, t.to);
  return (
    <span class={`bar bar-${kind}${span.to === null ? ' open' : ''}`} style={{ left: `${p.left}%`, width: `${p.width}%` }}
      title={`${kind}: ${utc(span.from)} – ${span.to === null ? 'now' : utc(span.to)}`} />
  );
}

function describe(kind: string, s: Span | null): string {
  return s === null ? `never ${kind}` : `${kind} ${utc(s.from)} to ${s.to === null ? 'now' : utc(s.to)}`;
}

export function KeyTimeline({ timeline }: { timeline: Timeline }) {
  const t = timeline;
  if (t.rows.length === 0) return <p class="state empty">No key has been seen yet.</p>;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => t.from + (t.to - t.from) * f);
  return (
    <div class="timeline">
      <p class="legend" aria-hidden="true">
        <span class="bar-key bar-published" /> published <span class="bar-key bar-signing" /> signing <span class="bar-key bar-ds" /> DS at the parent <span class="revoke-key">R</span> revoked
        {t.source === 'merged' ? ' · merged over the vantage points (no authoritative view)' : ' · authoritative view'}
      </p>
      <table>
        <caption class="sr-only">Key timeline from {utc(t.from)} to {utc(t.to)}</caption>
        <thead><tr><th scope="col">Key</th><th scope="col">Algorithm</th><th scope="col" class="axis-head">{ticks.map((x, i) => <span key={i} style={{ left: `${i * 25}%` }}>{utc(x).slice(0, 16)}</span>)}</th></tr></thead>
        <tbody>
          {t.rows.map((r) => {
            const rev = r.revoked_ms === null ? null : spanPercent({ from: r.revoked_ms, to: r.revoked_ms }, t.from, t.to).left;
            return (
              <tr key={r.key_id} data-testid="key-row" data-key={r.key_id}>
                <th scope="row"><span title={r.key_id}>{keyLabel(r.role, r.algorithm, r.key_tag)}</span></th>
                <td>{algorithmName(r.algorithm)}</td>
                <td class="lanes">
                  <span class="sr-only">{[describe('published', r.published), describe('signing', r.signing), describe('with a DS', r.ds), r.revoked_ms === null ? '' : `revoked ${utc(r.revoked_ms)}`].join('; ')}</span>
                  <span class="lane" aria-hidden="true"><Bar kind="published" span={r.published} t={t} /></span>
                  <span class="lane" aria-hidden="true"><Bar kind="signing" span={r.signing} t={t} /></span>
                  <span class="lane" aria-hidden="true"><Bar kind="ds" span={r.ds} t={t} /></span>
                  {rev !== null && <span class="revoke" aria-hidden="true" style={{ left: `${rev}%` }} title={`revoked ${utc(r.revoked_ms)}`}>R</span>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
