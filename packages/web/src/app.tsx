// The dashboard shell: landmarks, navigation, hash router (router.ts), one page at a time.
import { useEffect, useRef, useState } from 'preact/hooks';
import { AgentsPage } from './pages/agents.js';
import { OverviewPage } from './pages/overview.js';
import { ResearchPage } from './pages/research.js';
import { ZonePage } from './pages/zone.js';
import { parseRoute, type Route } from './router.js';

function useRoute(): Route {
  const [route, setRoute] = useState<Route>(() => parseRoute(location.hash));
  useEffect(() => {
    const on = (): void => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

const NAV: [Route['page'], string, string][] = [
  ['overview', '#/', 'Overview'],
  ['research', '#/research', 'Research'],
  ['agents', '#/agents', 'Agents'],
];

export function App() {
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  const routeKey = route.page === 'zone' ? `zone:${route.zone}` : route.page;
  // move focus to the new page for keyboard and screen-reader users (not on the first load)
  const first = useRef(true);
  useEffect(() => {
    if (first.current) { first.current = false; return; }
    main.current?.focus();
  }, [routeKey]);
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); main.current?.focus(); }}>Skip to content</a>
      <header class="top">
        <a class="brand" href="#/"><abbr title="DNSSEC Key Transition Observatory">KTO</abbr></a>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([page, href, label]) => (
              <li key={page}><a href={href} aria-current={route.page === page ? 'page' : undefined}>{label}</a></li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {route.page === 'overview' && <OverviewPage />}
        {route.page === 'zone' && <ZonePage key={route.zone} zone={route.zone} />}
        {route.page === 'research' && <ResearchPage query={route.query} />}
        {route.page === 'agents' && <AgentsPage />}
        {route.page === 'not-found' && (
          <section><h1>Not found</h1><p>No page at <code>{route.path}</code>. <a href="#/">Back to the overview</a>.</p></section>
        )}
      </main>
      <footer class="bottom"><p>KTO dashboard · data from this collector's <a href="/openapi.json">API</a> · no external requests</p></footer>
    </>
  );
}
