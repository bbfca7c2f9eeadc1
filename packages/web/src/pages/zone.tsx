// Zone page: key timeline, transitions with their anatomy and findings, regions (map, lag chart, table),
// time until breakage, raw observations; kept current by the /v1/live WebSocket without reload.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { AnalysisMeta, FindingsResponse, KeysResponse, LagResponse, TransitionsResponse } from '../api/types.js';
import { api } from '../api-context.js';
import { KeyTimeline } from '../components/key-timeline.js';
import { LagChart } from '../components/lag-chart.js';
import { ObservationsPanel } from '../components/observations-panel.js';
import { RegionsTable } from '../components/regions-table.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { TransitionCard } from '../components/transition-card.js';
import { WorldMap, type MapCountry } from '../components/world-map.js';
import { duration, utc } from '../format.js';
import { LiveConnection, type LiveStatus, type SocketLike } from '../live.js';
import { onlyAuthoritative, regionRows } from '../shape/regions.js';
import { keyTimeline } from '../shape/timeline.js';
import { sameAnalysis, viewFromLive, viewFromSlices, type ZoneView } from '../shape/zone-view.js';
import { zoneState } from '../shape/zone-state.js';
import { zoneName } from '../router.js';
import { useAsync } from '../use-async.js';

async function loadZone(zone: string, signal: AbortSignal): Promise<ZoneView | null> {
  const [k, t, f, l] = await Promise.all([
    api.analysisSlice(zone, 'keys', signal) as Promise<KeysResponse | null>,
    api.analysisSlice(zone, 'transitions', signal) as Promise<TransitionsResponse | null>,
    api.analysisSlice(zone, 'findings', signal) as Promise<FindingsResponse | null>,
    api.analysisSlice(zone, 'lag', signal) as Promise<LagResponse | null>,
  ]);
  return viewFromSlices(k, t, f, l);
}

function useLive(zone: string, onView: (v: ZoneView) => void): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>('connecting');
  useEffect(() => {
    const conn = new LiveConnection(api.liveUrl(zone, location), (url) => new WebSocket(url) as unknown as SocketLike, {
      onStatus: setStatus,
      onAnalysis: (m) => {
        const v = viewFromLive(m.zone, m.result);
        if (v !== null) onView(v);
      },
    });
    conn.start();
    return () => conn.stop();
    // onView is a state setter wrapper created once per zone page
  }, [zone]);
  return status;
}

export function ZonePage({ zone }: { zone: string }) {
  const [state, reload] = useAsync(`zone:${zone}`, (signal) => loadZone(zone, signal));
  const [liveView, setLiveView] = useState<ZoneView | null>(null);
  const [announce, setAnnounce] = useState('');
  // the analysis on screen: the socket's first message repeats it (nothing to render or announce again)
  const shown = useRef<AnalysisMeta | null>(null);
  const status = useLive(zone, (v) => {
    if (sameAnalysis(shown.current, v.analysis)) return;
    setLiveView(v);
    setAnnounce(`Analysis updated ${utc(v.analysis.computed_at_ms)}: ${zoneState(v.analysis, v.transitions, v.findings, v.breakage, Date.now()).text}`);
  });
  const view = liveView ?? state.data ?? null;
  shown.current = view?.analysis ?? null;
  const name = zoneName(zone);
  return (
    <article aria-labelledby="zone-h">
      <header class="page-head">
        <h1 id="zone-h">{name}</h1>
        <span data-testid="live-status" class={`live live-${status}`} title="live updates over WebSocket">{status}</span>
      </header>
      <p class="sr-only" role="status" aria-live="polite">{announce}</p>
      {view === null && state.status === 'loading' && <Loading what={`the analysis of ${name}`} />}
      {view === null && state.status === 'error' && <ErrorState error={state.error} retry={reload} what={`the analysis of ${name}`} />}
      {view === null && state.status === 'ready' && (
        <Empty>No analysis of this zone yet: no observation has been stored, or this collector runs without an analyzer. The page updates by itself when one arrives.</Empty>
      )}
      {view !== null && <ZoneBody view={view} />}
      <ObservationsPanel zone={zone} />
    </article>
  );
}

function ZoneBody({ view }: { view: ZoneView }) {
  const now = Date.now();
  const timeline = useMemo(() => keyTimeline(view.keys, view.sightings, view.now_ms), [view]);
  const regions = useMemo(() => regionRows(view.vantages, view.regions, view.sightings), [view]);
  const mapCountries = useMemo(() => {
    const m = new Map<string, MapCountry>();
    for (const r of regions) {
      const c = m.get(r.country) ?? { country: r.country, lagging: false, vantages: 0 };
      c.vantages += r.vantages.length;
      c.lagging ||= r.lagging;
      m.set(r.country, c);
    }
    return [...m.values()];
  }, [regions]);
  const st = zoneState(view.analysis, view.transitions, view.findings, view.breakage, now);
  // the demo without Unbound says so in the page URL (?demo=direct); otherwise the data tells
  const direct = demoDirect() || onlyAuthoritative(view.vantages);
  const transitions = [...view.transitions].sort((a, b) => b.start_ms - a.start_ms);
  return (
    <>
      <p class={`zone-state state-${st.kind.replace(' ', '-')}`}><strong>{st.text}</strong></p>
      <p class="meta">Analysis {view.analysis.mode} ({view.analysis.analyzer}) at {utc(view.analysis.computed_at_ms)} over {view.analysis.observations.toLocaleString('en')} observations from {utc(view.analysis.from_ms)} to {utc(view.analysis.to_ms)}.</p>
      {direct && (
        <p data-testid="mode-note" class="note" role="note">
          Agents query the lab's servers directly: every vantage point here is an authoritative server, none is a validating resolver (install Unbound for resolver vantage points and cache lag).
        </p>
      )}
      {view.breakage.length > 0 && (
        <section aria-labelledby="breakage-h" class="breakage">
          <h2 id="breakage-h">Time until breakage</h2>
          <ul>
            {view.breakage.map((b) => {
              const left = b.earliest_ms - now;
              return (
                <li key={`${b.transition} ${b.next_step}`}>
                  Next step <strong>{b.next_step}</strong> of {b.transition} is safe {left > 0 ? <>in <strong>{duration(left)}</strong> ({utc(b.earliest_ms)})</> : <>since {utc(b.earliest_ms)}</>}
                  {b.vantages_at_risk.length > 0 ? `; done earlier it breaks validation for ${b.vantages_at_risk.length} vantage point(s) still holding old data: ${b.vantages_at_risk.slice(0, 10).join(', ')}${b.vantages_at_risk.length > 10 ? ' …' : ''}` : '; no vantage point at risk.'}
                </li>
              );
            })}
          </ul>
        </section>
      )}
      <section aria-labelledby="keys-h">
        <h2 id="keys-h">Keys</h2>
        <KeyTimeline timeline={timeline} />
      </section>
      <section aria-labelledby="transitions-h">
        <h2 id="transitions-h">Transitions</h2>
        {view.multi_signer !== null && <p>Multi-signer (RFC 8901 model {view.multi_signer.model}){view.multi_signer.steady ? ', steady' : ''}: {view.multi_signer.servers.join(', ')}.</p>}
        {transitions.length === 0
          ? <Empty>No key transition in the analysed window: the zone is steady.</Empty>
          : transitions.map((t) => <TransitionCard key={t.id} t={t} keys={view.keys} />)}
      </section>
      <section aria-labelledby="findings-h">
        <h2 id="findings-h">Findings</h2>
        {view.findings.length === 0 ? <Empty>No finding: everything observed conforms.</Empty> : (
          <ul class="findings">
            {view.findings.map((f, i) => (
              <li key={`${f.code} ${i}`} id={`finding-${f.code}-${i}`} data-testid="finding" data-code={f.code} class={`sev-${f.severity}`}>
                <p><strong>{f.severity}</strong> <code>{f.code}</code> at {utc(f.at_ms)}{f.until_ms !== null ? ` until ${utc(f.until_ms)}` : ''}{f.transition !== null ? ` (${f.transition})` : ''}</p>
                <p>{f.message}</p>
                {f.refs.length > 0 && <p class="refs">References: {f.refs.join('; ')}</p>}
                {f.vantages.length > 0 && <p class="refs">Vantage points: {f.vantages.slice(0, 12).join(', ')}{f.vantages.length > 12 ? ` and ${f.vantages.length - 12} more` : ''}</p>}
              </li>
            ))}
          </ul>
        )}
        {view.undecided.length > 0 && (
          <details>
            <summary>{view.undecided.length} check(s) the sampling cannot decide</summary>
            <ul>{view.undecided.map((u, i) => <li key={i}><code>{u.code}</code> at {utc(u.at_ms)}: {u.detail}</li>)}</ul>
          </details>
        )}
      </section>
      <section aria-labelledby="regions-h">
        <h2 id="regions-h">Regions</h2>
        {regions.length === 0 ? <Empty>No vantage point has observed this zone yet.</Empty> : (
          <>
            <WorldMap countries={mapCountries} label={`Countries with vantage points of ${view.zone}; ${regions.filter((r) => r.lagging).length} lagging region(s)`} />
            <LagChart vantages={view.vantages} />
            <RegionsTable rows={regions} />
          </>
        )}
      </section>
    </>
  );
}

/** True when the page was opened as the demo's direct mode (scripts/demo.mjs without Unbound). */
function demoDirect(): boolean {
  return new URLSearchParams(window.location.search).get('demo') === 'direct';
}
