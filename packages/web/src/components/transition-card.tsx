// One transition: procedure with its plain explanation, keys in/out, the anatomy figures (ARCHITECTURE.md
// §4), the RFC 7583 wait checks, the evidence and the codes of its findings.
import type { KeyInfo, Span, Transition } from '../api/types.js';
import { algorithmName, duration, keyLabel, utc } from '../format.js';
import { PROCEDURE_TEXT } from '../shape/text.js';

const span = (s: Span | null | undefined): string => {
  if (s === null || s === undefined) return '—';
  const bounds = s.min !== null && s.max !== null && s.min !== s.max ? ` (${duration(s.min)} – ${duration(s.max)})` : '';
  return `${duration(s.ms)}${bounds}`;
};

function keyName(id: string, keys: ReadonlyMap<string, KeyInfo>): string {
  const k = keys.get(id);
  return k === undefined ? id : keyLabel(k.role, k.algorithm, k.key_tag);
}

function PerKey({ label, values, keys }: { label: string; values: Record<string, Span | null>; keys: ReadonlyMap<string, KeyInfo> }) {
  const ids = Object.keys(values);
  if (ids.length === 0) return null;
  return <tr><th scope="row">{label}</th><td>{ids.map((id) => `${keyName(id, keys)}: ${span(values[id])}`).join('; ')}</td></tr>;
}

export function TransitionCard({ t, keys }: { t: Transition; keys: readonly KeyInfo[] }) {
  const byId = new Map(keys.map((k) => [k.key_id, k]));
  const a = t.anatomy;
  const algs = [...new Set([...t.algorithms_out, ...t.algorithms_in])];
  return (
    <article class="transition" data-testid="transition" data-procedure={t.procedure} aria-labelledby={`t-${t.id}`}>
      <h3 id={`t-${t.id}`}>{t.role} {t.procedure} <small>{t.status}{t.conformant === true ? ', conformant' : t.conformant === false ? ', not conformant' : ', undecided'}</small></h3>
      <p>{PROCEDURE_TEXT[t.procedure]}</p>
      <p>From {utc(t.start_ms)} {t.status === 'complete' ? `to ${utc(t.end_ms)}` : '(in progress)'}; switch {t.switch_at === null ? 'not yet' : `at ${utc(t.switch_at.at)}`}.
        Keys out: {t.keys_out.map((k) => keyName(k, byId)).join(', ') || '—'}; in: {t.keys_in.map((k) => keyName(k, byId)).join(', ') || '—'}
        {t.keys_kept.length > 0 ? `; kept: ${t.keys_kept.map((k) => keyName(k, byId)).join(', ')}` : ''}
        {algs.length > 0 ? `; algorithms ${algs.map(algorithmName).join(', ')}` : ''}
        {t.ns_in.length + t.ns_out.length > 0 ? `; NS in ${t.ns_in.join(', ') || '—'}, out ${t.ns_out.join(', ') || '—'}` : ''}.</p>
      <table class="anatomy">
        <caption>Anatomy</caption>
        <tbody>
          <PerKey label="Pre-publish (t_sign − t_pub)" values={a.pre_publish_ms} keys={byId} />
          <tr><th scope="row">Double-sign period</th><td>{span(a.double_sign_ms)}</td></tr>
          <PerKey label="Post-retire retention (t_unpub − t_unsign)" values={a.post_retire_ms} keys={byId} />
          <PerKey label="DS lag (t_ds − t_pub)" values={a.ds_lag_ms} keys={byId} />
          <PerKey label="DS removal lag (t_ds_gone − t_unsign)" values={a.ds_gone_lag_ms} keys={byId} />
          {Object.keys(a.key_age_ms).length > 0 && (
            <tr><th scope="row">Key age at the switch</th><td>{Object.entries(a.key_age_ms).map(([id, v]) => `${keyName(id, byId)}: ${v.lower_bound ? '≥ ' : ''}${duration(v.ms)}`).join('; ')}</td></tr>
          )}
        </tbody>
      </table>
      {t.waits.length > 0 && (
        <table class="waits">
          <caption>RFC 7583 waits</caption>
          <thead><tr><th scope="col">Wait</th><th scope="col">Minimum</th><th scope="col">Measured</th><th scope="col">Respected</th><th scope="col">Reference</th></tr></thead>
          <tbody>
            {t.waits.map((w, i) => (
              <tr key={i} class={w.respected === false ? 'bad' : ''}>
                <th scope="row" title={w.formula}>{w.name}{w.key !== null ? ` (${keyName(w.key, byId)})` : ''}</th>
                <td>{duration(w.minimum_ms)}</td>
                <td>{span(w.measured_ms)}</td>
                <td>{w.respected === null ? 'undecided' : w.respected ? 'yes' : 'no'}</td>
                <td>{w.reference}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <details>
        <summary>Evidence ({t.evidence.rule}{t.evidence.coarse ? ', sampling too coarse to rule out ' + t.evidence.candidates.filter((c) => c !== t.procedure).join(', ') : ''})</summary>
        <p>{t.evidence.detail}</p>
        <ul>{Object.entries(t.evidence.times).map(([k, v]) => <li key={k}>{k}: {v === null ? '—' : `${utc(v.at)}${v.after !== null ? ` (after ${utc(v.after)})` : ''}`}</li>)}</ul>
      </details>
      {t.findings.length > 0 && <p>Findings: {t.findings.map((c) => <code key={c}>{c} </code>)}</p>}
    </article>
  );
}
