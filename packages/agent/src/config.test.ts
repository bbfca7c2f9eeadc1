import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isKtoError } from '@kto/core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, OPTIONS, type ConfigInput } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'kto-agent-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(content: unknown): string {
  const p = join(dir, `c${n++}.json`);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}

const resolvConf = file('nameserver 192.0.2.53\nnameserver 2001:db8::53\n');
const base: ConfigInput = { home: '/home/kto', resolvConfPath: resolvConf, env: {} };

function fails(input: ConfigInput): { code: string; message: string } {
  try {
    loadConfig(input);
  } catch (err) {
    if (isKtoError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('loadConfig did not throw');
}

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig(base);
    expect(c).toMatchObject({
      collector: undefined, stateDir: '/home/kto/.kto-agent', intervalS: 300, jitter: 0.1, timeoutMs: 2000,
      retries: 2, ednsUdpSize: 4096, concurrency: 256, batchMaxObservations: 1000, batchMaxAgeMs: 2000,
      spoolMaxBytes: 256 * 1024 * 1024, window: 16, logLevel: 'info', metricsListen: undefined, zones: [],
      queryAuthoritatives: false,
    });
    // DNSKEY SOA DS CDS CDNSKEY CSYNC
    expect(c.qtypes).toEqual([48, 6, 43, 59, 60, 62]);
    expect(c.resolvers).toEqual([
      { address: '192.0.2.53', port: 53, family: 4 },
      { address: '2001:db8::53', port: 53, family: 6 },
    ]);
    expect(new Set(Object.values(c.sources!))).toEqual(new Set(['default']));
  });

  it('falls back to 127.0.0.1 when resolv.conf is missing or lists no nameserver', () => {
    expect(loadConfig({ ...base, resolvConfPath: join(dir, 'absent') }).resolvers)
      .toEqual([{ address: '127.0.0.1', port: 53, family: 4 }]);
  });

  it('applies flags > env > file > defaults, per key', () => {
    const configFile = file({ interval: 60, timeout: 500, retries: 1, window: 4 });
    const c = loadConfig({
      ...base,
      flags: { configFile, intervalS: '30' },
      env: { KTO_INTERVAL: '45', KTO_TIMEOUT: '700', KTO_LOG_LEVEL: 'debug' },
    });
    expect(c.intervalS).toBe(30); // flag over env and file
    expect(c.timeoutMs).toBe(700); // env over file
    expect(c.retries).toBe(1); // file over default
    expect(c.window).toBe(4);
    expect(c.logLevel).toBe('debug');
    expect(c.concurrency).toBe(256); // default
    expect(c.sources).toMatchObject({ intervalS: 'flag', timeoutMs: 'env', retries: 'file', concurrency: 'default' });
    expect(c.configFile).toBe(configFile);
  });

  it('reads the config file named by KTO_CONFIG', () => {
    const configFile = file({ concurrency: 8 });
    expect(loadConfig({ ...base, env: { KTO_CONFIG: configFile } }).concurrency).toBe(8);
  });

  it('parses lists from repeated flags, comma lists and file arrays', () => {
    const c = loadConfig({
      ...base,
      flags: { resolvers: ['127.0.0.1:5353', '[::1]:53,192.0.2.1'], zones: ['Example.COM', 'nl.,cz'] },
      env: { KTO_QTYPES: 'dnskey, TYPE65, 43' },
    });
    expect(c.resolvers.map((r) => `${r.address}|${r.port}`)).toEqual(['127.0.0.1|5353', '::1|53', '192.0.2.1|53']);
    expect(c.zones.map((z) => z.name)).toEqual(['example.com.', 'nl.', 'cz.']);
    expect(c.qtypes).toEqual([48, 65, 43]);
  });

  it('takes zone objects from the file, with queryAuthoritatives defaulting to the global flag', () => {
    const configFile = file({
      queryAuthoritatives: true,
      zones: ['example.', { name: 'example.net', interval: '10m', qtypes: ['DNSKEY', 'CDS'], queryAuthoritatives: false }],
    });
    const c = loadConfig({ ...base, flags: { configFile } });
    expect(c.zones).toEqual([
      { name: 'example.', intervalS: 0, qtypes: [], queryAuthoritatives: true },
      { name: 'example.net.', intervalS: 600, qtypes: [48, 59], queryAuthoritatives: false },
    ]);
  });

  it('understands durations, percentages, sizes, booleans and listen addresses', () => {
    const c = loadConfig({
      ...base,
      env: {
        KTO_INTERVAL: '5m', KTO_TIMEOUT: '1.5s', KTO_BATCH_MAX_AGE: '250ms', KTO_JITTER: '25%',
        KTO_SPOOL_MAX_BYTES: '64MiB', KTO_QUERY_AUTHORITATIVES: 'yes', KTO_METRICS_LISTEN: '[::1]:9464',
        KTO_STATE_DIR: '~/agent-state', KTO_COLLECTOR: 'https://kto.example/base/', KTO_ASN: 'AS64500',
        KTO_COUNTRY: 'cz', KTO_CONTINENT: 'eu',
      },
    });
    expect(c).toMatchObject({
      intervalS: 300, timeoutMs: 1500, batchMaxAgeMs: 250, jitter: 0.25, spoolMaxBytes: 64 * 1024 * 1024,
      queryAuthoritatives: true, metricsListen: { host: '::1', port: 9464 }, stateDir: '/home/kto/agent-state',
      collector: 'https://kto.example/base', asn: 64500, country: 'CZ', continent: 'EU',
    });
  });

  it('names the bad key and where it came from', () => {
    expect(fails({ ...base, flags: { intervalS: 'soon' } })).toMatchObject({
      code: 'KTO_ERR_AGENT_BAD_CONFIG', message: expect.stringMatching(/interval from flag --interval: .*'soon'/),
    });
    expect(fails({ ...base, env: { KTO_RESOLVERS: '192.0.2.1,resolver.example' } }).message)
      .toMatch(/resolvers from env KTO_RESOLVERS: 'resolver.example' is not an IPv4 or IPv6 address/);
    const configFile = file({ continent: 'Europe' });
    expect(fails({ ...base, flags: { configFile } }).message)
      .toMatch(new RegExp(`continent from config file .*c\\d+\\.json key 'continent': expected one of AF AN AS EU NA OC SA`));
    expect(fails({ ...base, env: { KTO_ZONES: 'bad..name' } }).message).toMatch(/zones from env KTO_ZONES: 'bad..name' is not a valid domain name/);
    expect(fails({ ...base, env: { KTO_QTYPES: 'DNSKEY,NOPE' } }).message).toMatch(/qtypes from env KTO_QTYPES: unknown RR type 'NOPE'/);
    expect(fails({ ...base, env: { KTO_CONCURRENCY: '0' } }).message).toMatch(/concurrency .* 1\.\.10000, got '0'/);
    expect(fails({ ...base, env: { KTO_COLLECTOR: 'ftp://x' } }).message).toMatch(/collector from env KTO_COLLECTOR/);
    expect(fails({ ...base, env: { KTO_BATCH_MAX_OBSERVATIONS: '10001' } }).code).toBe('KTO_ERR_AGENT_BAD_CONFIG');
  });

  it('refuses unknown keys, bad JSON and unreadable config files', () => {
    expect(fails({ ...base, flags: { configFile: file({ intervall: 5 }) } })).toMatchObject({
      code: 'KTO_ERR_AGENT_BAD_CONFIG', message: expect.stringMatching(/unknown key 'intervall'/),
    });
    expect(fails({ ...base, flags: { configFile: file('{"interval": ') } }).code).toBe('KTO_ERR_AGENT_CONFIG_FILE');
    expect(fails({ ...base, flags: { configFile: file('[1, 2]') } }).code).toBe('KTO_ERR_AGENT_CONFIG_FILE');
    expect(fails({ ...base, flags: { configFile: join(dir, 'missing.json') } }).code).toBe('KTO_ERR_AGENT_CONFIG_FILE');
  });

  it('documents every option with a flag, an env var and a default', () => {
    for (const spec of Object.values(OPTIONS)) {
      expect(spec.flag).toMatch(/^--[a-z-]+/);
      expect(spec.env).toMatch(/^KTO_[A-Z_]+$/);
      expect(spec.defaultText).not.toBe('');
    }
    const envs = Object.values(OPTIONS).map((o) => o.env);
    expect(new Set(envs).size).toBe(envs.length);
  });

  it('has a row in docs/agent.md for every option (flag, env var, file key)', () => {
    const doc = readFileSync(new URL('../../../docs/agent.md', import.meta.url), 'utf8');
    for (const spec of Object.values(OPTIONS)) {
      expect(doc).toContain(`| \`${spec.flag}\` | \`${spec.env}\` | \`${spec.file}\` |`);
    }
  });
});
