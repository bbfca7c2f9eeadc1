// Overview: tracked zones with their state, agents online per region, recent transitions, and the
// track-a-zone form. Refreshed every 15 s while shown.
import { useEffect } from 'preact/hooks';
import type { AgentJson, FindingsResponse, LagResponse, Transition, TransitionsResponse, ZoneJson } from '../api/types.js';
import { api } from '../api-context.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { TrackZoneForm } from '../components/track-zone-form.js';
import { duration, utc } from '../format.js';
import { mapLimit } from '../map-limit.js';
import { zoneHref, zoneName } from '../router.js';
import { agentsPerRegion } from '../shape/agents.js';
import { zoneState, type ZoneState } from '../shape/zone-state.js';
import { useAsync } from '../use-async.js';

interface ZoneSummary {
  zone: ZoneJson;
  state: ZoneState | null;
  transitions: Transition[];
  observations: number;
  computed_at_ms: number | null;
  error: (Error & { code?: string }) | null;
}

interface Overview {
  zones: ZoneSummary[];
  agents: AgentJson[];
  now: number;
}

const REFRESH_MS = 15_000;

async function loadZone(zone: ZoneJson, signal: AbortSignal, now: number): Promise<ZoneSummary> {
  try {
    const [t, f, l] = await Promise.all([
      api.analysisSlice(zone.zone, 'transitions', signal) as Promise<TransitionsResponse | null>,
      api.analysisSlice(zone.zone, 'findings', signal) as Promise<FindingsResponse | null>,
      api.analysisSlice(zone.zone, 'lag', signal) as Promise<LagResponse | null>,
    ]);
    const meta = t?.analysis ?? f?.analysis ?? l?.analysis ?? null;
    const state = zoneState(meta, t?.transitions ?? [], f?.findings ?? [], l?.breakage ?? [], now);
    return { zone, state, transitions: t?.transitions ?? [], observations: meta?.observations ?? 0, computed_at_ms: meta?.computed_at_ms ?? null, error: null };
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    return { zone, state: null, transitions: [], observations: 0, computed_at_ms: null, error: err as Error };
  }
}

async function loadOverview(signal: AbortSignal): Promise<Overview> {
  const [zones, agents] = await Promise.all([api.zones(signal), api.agents(signal)]);
  const now = Date.now();
  const summaries = await mapLimit(zones.zones, 4, (z) => loadZone(z, signal, now));
  return { zones: summaries, agents: agents.agents, now };
}

function ZoneRow({ s }: { s: ZoneSummary }) {
  const text = s.error !== null ? `no data (error: ${s.error.message})` : s.state?.text ?? 'no data';
  const kind = s.error !== null ? 'no-data' : (s.state?.kind ?? 'no data').replace(' ', '-');
  return (
    <tr data-testid="zone-row" data-zone={s.zone.zone}>
      <th scope="row"><a href={zoneHref(s.zone.zone)}>{zoneName(s.zone.zone)}</a></th>
      <td><span data-testid="zone-state" class={`state-${kind}`}>{text}</span></td>
      <td class="num">{s.observations.toLocaleString('en')}</td>
      <td>{utc(s.computed_at_ms)}</td>
      <td class="num">{s.zone.interval_s === 0 ? 'default' : duration(s.zone.interval_s * 1000)}</td>
    </tr>
  );
}

export function OverviewPage() {
  const [state, reload] = useAsync('overview', loadOverview);
  useEffect(() => {
    const t = setInterval(reload, REFRESH_MS);
    return () => clearInterval(t);
  }, [reload]);
  const data = state.data;
  return (
    <section aria-labelledby="overview-h">
      <h1 id="overview-h">Overview</h1>
      {state.status === 'loading' && data === null && <Loading what="the zones" />}
      {state.status === 'error' && <ErrorState error={state.error} retry={reload} what="the overview" />}
      {data !== null && <OverviewBody data={data} onTracked={reload} />}
      {data === null && state.status !== 'loading' && <TrackZoneForm onTracked={reload} />}
    </section>
  );
}

function OverviewBody({ data, onTracked }: { data: Overview; onTracked: () => void }) {
  const regions = agentsPerRegion(data.agents, data.now);
  const online = regions.reduce((n, r) => n + r.online, 0);
  const recent: { zone: string; t: Transition }[] = [];
  for (const z of data.zones) for (const t of z.transitions) recent.push({ zone: z.zone.zone, t });
  recent.sort((a, b) => b.t.start_ms - a.t.start_ms);
  return (
    <>
      <section aria-labelledby="zones-h">
        <h2 id="zones-h">Tracked zones</h2>
        {data.zones.length === 0
          ? <Empty>No zone is tracked yet. Track one below (needs the admin token).</Empty>
          : (
            <table>
              <caption class="sr-only">Tracked zones and their state</caption>
              <thead><tr><th scope="col">Zone</th><th scope="col">State</th><th scope="col">Observations analysed</th><th scope="col">Analysed at</th><th scope="col">Interval</th></tr></thead>
              <tbody>{data.zones.map((s) => <ZoneRow key={s.zone.zone} s={s} />)}</tbody>
            </table>
          )}
      </section>
      <section aria-labelledby="agents-h">
        <h2 id="agents-h">Agents online per region</h2>
        {regions.length === 0
          ? <Empty>No agent has enrolled yet.</Empty>
          : (
            <>
              <p>{online} of {regions.reduce((n, r) => n + r.total, 0)} agents online (an observation in the last 10 minutes). <a href="#/agents">All agents</a></p>
              <ul class="chips">{regions.map((r) => <li key={r.continent}><strong>{r.continent}</strong> {r.online}/{r.total}</li>)}</ul>
            </>
          )}
      </section>
      <section aria-labelledby="recent-h">
        <h2 id="recent-h">Recent transitions</h2>
        {recent.length === 0
          ? <Empty>No key transition has been observed yet.</Empty>
          : (
            <table>
              <caption class="sr-only">The ten most recent transitions across zones</caption>
              <thead><tr><th scope="col">Zone</th><th scope="col">Procedure</th><th scope="col">Status</th><th scope="col">Started</th><th scope="col">Findings</th></tr></thead>
              <tbody>
                {recent.slice(0, 10).map(({ zone, t }) => (
                  <tr key={`${zone} ${t.id}`}>
                    <td><a href={zoneHref(zone)}>{zoneName(zone)}</a></td>
                    <td>{t.role} {t.procedure}</td>
                    <td>{t.status}{t.conformant === false ? ', not conformant' : ''}</td>
                    <td>{utc(t.start_ms)}</td>
                    <td>{t.findings.length === 0 ? 'none' : t.findings.join(', ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
      </section>
      <TrackZoneForm onTracked={onTracked} />
    </>
  );
}
