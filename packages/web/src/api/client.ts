// Typed client of the collector's JSON API (docs/api.md). fetch is injected (tests pass a fake); errors
// are KtoErrors: the collector's own code (KTO_ERR_API_*) when it answered with an error body, else
// KTO_ERR_WEB_NETWORK / KTO_ERR_WEB_BAD_RESPONSE.
import { KtoError } from '@kto/core';
import type {
  AgentList, ApiErrorBody, FindingsResponse, KeysResponse, LagResponse, ObservationPage, ObservationQuery, TransitionsResponse,
  ZoneBody, ZoneJson, ZoneList,
} from './types.js';

export type FetchLike = (url: string, init?: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal }) => Promise<{
  ok: boolean;
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}>;

export interface ApiClientOptions {
  /** Origin and path prefix of the collector ('' = same origin, the dashboard's normal case). */
  base?: string;
  fetch?: FetchLike;
}

/** A zone as a path segment: the root is '@' (browsers drop a '.' segment), other names URL-encoded. */
export function zoneSegment(zone: string): string {
  if (zone === '.' || zone === '@' || zone === '') return '@';
  return encodeURIComponent(zone);
}

function queryString(params: Record<string, string | number | undefined>): string {
  const parts: string[] = [];
  for (const key of Object.keys(params)) {
    const v = params[key];
    if (v === undefined || v === '') continue;
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(v))}`);
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

function isErrorBody(v: unknown): v is ApiErrorBody {
  return typeof v === 'object' && v !== null && typeof (v as ApiErrorBody).code === 'string' && typeof (v as ApiErrorBody).message === 'string';
}

export class ApiClient {
  readonly base: string;
  private readonly fetchFn: FetchLike;

  constructor(opts: ApiClientOptions = {}) {
    this.base = (opts.base ?? '').replace(/\/+$/, '');
    if (opts.fetch !== undefined) {
      this.fetchFn = opts.fetch;
    } else {
      if (typeof globalThis.fetch !== 'function') throw new KtoError('KTO_ERR_WEB_NETWORK', 'no fetch implementation is available');
      // called as a plain function: a browser's fetch must not be called with another `this`
      this.fetchFn = (url, init) => globalThis.fetch(url, init) as unknown as ReturnType<FetchLike>;
    }
  }

  private async request<T>(path: string, init: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal } = {}): Promise<T> {
    const url = `${this.base}${path}`;
    let res: Awaited<ReturnType<FetchLike>>;
    try {
      res = await this.fetchFn(url, { ...init, headers: { accept: 'application/json', ...init.headers } });
    } catch (err) {
      if ((err as { name?: string }).name === 'AbortError') throw err;
      throw new KtoError('KTO_ERR_WEB_NETWORK', `cannot reach the collector (${init.method ?? 'GET'} ${path}): ${(err as Error).message}`, { path }, { cause: err });
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      throw new KtoError('KTO_ERR_WEB_BAD_RESPONSE', `${path} answered HTTP ${res.status} with a body that is not JSON`, { path, status: res.status });
    }
    if (!res.ok) {
      if (isErrorBody(body)) throw new KtoError(body.code, body.message, { path, status: res.status });
      throw new KtoError('KTO_ERR_WEB_BAD_RESPONSE', `${path} answered HTTP ${res.status} without an error body`, { path, status: res.status });
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new KtoError('KTO_ERR_WEB_BAD_RESPONSE', `${path} answered HTTP ${res.status} with no JSON object`, { path, status: res.status });
    }
    return body as T;
  }

  zones(signal?: AbortSignal): Promise<ZoneList> {
    return this.request('/v1/zones', signal === undefined ? {} : { signal });
  }

  agents(signal?: AbortSignal): Promise<AgentList> {
    return this.request('/v1/agents', signal === undefined ? {} : { signal });
  }

  /** Track a zone (admin token). */
  trackZone(body: ZoneBody, token: string): Promise<ZoneJson> {
    return this.request('/v1/zones', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
  }

  /**
   * One slice of the zone's latest analysis; null when the collector has none (KTO_ERR_API_NO_ANALYSIS),
   * which the pages show as "no data", not as an error.
   */
  async analysisSlice<T extends 'keys' | 'transitions' | 'findings' | 'lag'>(zone: string, which: T, signal?: AbortSignal): Promise<SliceOf<T> | null> {
    try {
      return await this.request<SliceOf<T>>(`/v1/zones/${zoneSegment(zone)}/${which}`, signal === undefined ? {} : { signal });
    } catch (err) {
      if (err instanceof KtoError && err.code === 'KTO_ERR_API_NO_ANALYSIS') return null;
      throw err;
    }
  }

  observations(zone: string, q: ObservationQuery = {}, signal?: AbortSignal): Promise<ObservationPage> {
    const qs = queryString({ from: q.from, to: q.to, agent: q.agent, qtype: q.qtype, limit: q.limit, cursor: q.cursor });
    return this.request(`/v1/zones/${zoneSegment(zone)}/observations${qs}`, signal === undefined ? {} : { signal });
  }

  /** The NDJSON export of a zone's observations (a link: the browser streams it to a file). */
  observationsExportUrl(zone: string, q: Omit<ObservationQuery, 'cursor' | 'limit'> = {}): string {
    const qs = queryString({ format: 'ndjson', from: q.from, to: q.to, agent: q.agent, qtype: q.qtype });
    return `${this.base}/v1/zones/${zoneSegment(zone)}/observations${qs}`;
  }

  /** ws:// or wss:// URL of the zone's live analysis, relative to the page's location (or base when set). */
  liveUrl(zone: string, location: { protocol: string; host: string }): string {
    const origin = this.base !== '' ? this.base.replace(/^http/, 'ws') : `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}`;
    return `${origin}/v1/live${queryString({ zone: zone === '.' ? '@' : zone })}`;
  }
}

export type SliceOf<T extends string> = T extends 'keys' ? KeysResponse
  : T extends 'transitions' ? TransitionsResponse
    : T extends 'findings' ? FindingsResponse
      : LagResponse;
