// Agents: location, enrolment, last seen, observations in the last 24 h.
import { api } from '../api-context.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { utc } from '../format.js';
import { isOnline } from '../shape/agents.js';
import { useAsync } from '../use-async.js';

export function AgentsPage() {
  const [state, reload] = useAsync('agents', (signal) => api.agents(signal));
  const now = Date.now();
  const agents = state.data?.agents ?? null;
  return (
    <section aria-labelledby="agents-page-h">
      <h1 id="agents-page-h">Agents</h1>
      {state.status === 'loading' && agents === null && <Loading what="the agents" />}
      {state.status === 'error' && <ErrorState error={state.error} retry={reload} what="the agents" />}
      {agents !== null && agents.length === 0 && <Empty>No agent has enrolled yet. See docs/agent.md to run one.</Empty>}
      {agents !== null && agents.length > 0 && (
        <table>
          <caption class="sr-only">Enrolled agents</caption>
          <thead>
            <tr><th scope="col">Agent</th><th scope="col">Location</th><th scope="col">ASN</th><th scope="col">Enrolled</th><th scope="col">Last seen</th><th scope="col">Observations / day</th><th scope="col">Status</th></tr>
          </thead>
          <tbody>
            {agents.map((a) => (
              <tr key={a.agent_id} data-testid="agent-row" data-agent={a.agent_id}>
                <th scope="row"><span title={a.agent_id}>{a.name === '' ? a.agent_id.slice(0, 12) : a.name}</span></th>
                <td>{a.location.continent}/{a.location.country}</td>
                <td class="num">{a.location.asn === 0 ? '—' : `AS${a.location.asn}`}</td>
                <td>{utc(a.enrolled_at_ms)}</td>
                <td>{utc(a.last_seen_ms)}</td>
                <td class="num">{a.observations_24h.toLocaleString('en')}</td>
                <td>{a.revoked ? `revoked ${utc(a.revoked_at_ms)}` : isOnline(a, now) ? 'online' : 'offline'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
