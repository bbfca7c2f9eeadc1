// Research: transitions across every tracked zone, filtered by procedure, algorithm, period and finding.
// The filters are the URL's query string (#/research?procedure=..), so a view can be shared; CSV export
// is built here, NDJSON comes from each zone's observations export.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../api-context.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { algorithmName, utc } from '../format.js';
import { mapLimit } from '../map-limit.js';
import { zoneHref, zoneName } from '../router.js';
import {
  filterTransitions, filtersQuery, parseFilters, parseTime, transitionAlgorithms, transitionsCsv, type ResearchFilters, type ZoneTransition,
} from '../shape/research.js';
import { PROCEDURES } from '../shape/text.js';
import { useAsync } from '../use-async.js';
import type { TransitionsResponse } from '../api/types.js';

interface Corpus {
  zones: string[];
  items: ZoneTransition[];
  failed: string[];
}

async function loadCorpus(signal: AbortSignal): Promise<Corpus> {
  const zones = (await api.zones(signal)).zones.map((z) => z.zone);
  const failed: string[] = [];
  const slices = await mapLimit(zones, 4, async (z) => {
    try {
      return await (api.analysisSlice(z, 'transitions', signal) as Promise<TransitionsResponse | null>);
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      failed.push(z);
      return null;
    }
  });
  const items: ZoneTransition[] = [];
  slices.forEach((s, i) => { if (s !== null) for (const t of s.transitions) items.push({ zone: zones[i] as string, transition: t }); });
  return { zones, items, failed };
}

function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function ResearchPage({ query }: { query: string }) {
  const filters = useMemo(() => parseFilters(query), [query]);
  const [draft, setDraft] = useState<ResearchFilters>(filters);
  useEffect(() => setDraft(filters), [filters]); // back/forward and shared links change the query
  const [state, reload] = useAsync('research', loadCorpus);
  const corpus = state.data;

  let shown: ZoneTransition[] = [];
  let filterError: string | null = null;
  if (corpus !== null) {
    try {
      shown = filterTransitions(corpus.items, filters);
    } catch (err) {
      filterError = (err as Error).message;
    }
  }
  const apply = (e: Event): void => {
    e.preventDefault();
    location.hash = `#/research${filtersQuery(draft)}`;
  };
  const set = (k: keyof ResearchFilters) => (e: { currentTarget: { value: string } }) => setDraft({ ...draft, [k]: e.currentTarget.value });
  const period = (() => {
    try {
      return { from: parseTime(filters.from, 'from') ?? undefined, to: parseTime(filters.to, 'to') ?? undefined };
    } catch {
      return {};
    }
  })();

  return (
    <section aria-labelledby="research-h">
      <h1 id="research-h">Research</h1>
      <form class="filters" onSubmit={apply} aria-describedby="filters-help">
        <label>Procedure
          <select value={draft.procedure} onChange={set('procedure')}>
            <option value="">any</option>
            {PROCEDURES.map((p) => <option key={p} value={p}>{p}</option>)}
          </select>
        </label>
        <label>Algorithm <input inputMode="numeric" value={draft.algorithm} placeholder="e.g. 13" onInput={set('algorithm')} /></label>
        <label>From <input value={draft.from} placeholder="2026-01-01" onInput={set('from')} /></label>
        <label>To <input value={draft.to} placeholder="2027-01-01" onInput={set('to')} /></label>
        <label>Finding <input value={draft.finding} placeholder="code, any or none" onInput={set('finding')} /></label>
        <button type="submit">Apply</button>
        <p id="filters-help" class="hint">Period applies to the start of a transition (ISO date or epoch ms, UTC). The URL holds the filters: share it.</p>
      </form>
      {state.status === 'loading' && corpus === null && <Loading what="transitions of every zone" />}
      {state.status === 'error' && <ErrorState error={state.error} retry={reload} what="the transitions" />}
      {filterError !== null && <p role="alert" class="error">{filterError}</p>}
      {corpus !== null && filterError === null && (
        <>
          <div class="toolbar">
            <p role="status" aria-live="polite">{shown.length} of {corpus.items.length} transitions in {corpus.zones.length} zones{corpus.failed.length > 0 ? ` (could not load: ${corpus.failed.join(', ')})` : ''}.</p>
            <button type="button" disabled={shown.length === 0} onClick={() => download('kto-transitions.csv', 'text/csv;charset=utf-8', transitionsCsv(shown))}>Export CSV</button>
          </div>
          {corpus.zones.length > 0 && (
            <details>
              <summary>Raw observations as NDJSON (per zone, the filter's period)</summary>
              <ul>{corpus.zones.map((z) => <li key={z}><a href={api.observationsExportUrl(z, period)} download={`${z === '.' ? 'root' : z.replace(/\.$/, '')}.ndjson`}>{zoneName(z)}</a></li>)}</ul>
            </details>
          )}
          {shown.length === 0
            ? <Empty>{corpus.items.length === 0 ? 'No transition has been observed yet.' : 'No transition matches these filters.'}</Empty>
            : (
              <table>
                <caption class="sr-only">Transitions matching the filters</caption>
                <thead><tr><th scope="col">Zone</th><th scope="col">Role</th><th scope="col">Procedure</th><th scope="col">Status</th><th scope="col">Start</th><th scope="col">End</th><th scope="col">Algorithms</th><th scope="col">Findings</th></tr></thead>
                <tbody>
                  {shown.slice(0, 1000).map(({ zone, transition: t }) => (
                    <tr key={`${zone} ${t.id}`} data-testid="transition" data-procedure={t.procedure}>
                      <td><a href={zoneHref(zone)}>{zoneName(zone)}</a></td>
                      <td>{t.role}</td>
                      <td>{t.procedure}</td>
                      <td>{t.status}{t.conformant === true ? ', conformant' : t.conformant === false ? ', not conformant' : ''}</td>
                      <td>{utc(t.start_ms)}</td>
                      <td>{t.status === 'in-progress' ? '—' : utc(t.end_ms)}</td>
                      <td>{[...transitionAlgorithms(t)].map(algorithmName).join(', ') || '—'}</td>
                      <td>{t.findings.length === 0 ? 'none' : t.findings.join(', ')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          {shown.length > 1000 && <p>Showing the newest 1,000; the CSV export has all {shown.length}.</p>}
        </>
      )}
    </section>
  );
}
