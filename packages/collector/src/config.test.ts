import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminTokenPath, loadOrCreateAdminToken, parseListen, readAdminToken, storeOptions } from './config.js';

describe('config', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kto-collector-config-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('parseListen: HOST:PORT, [IPv6]:PORT, :PORT', () => {
    expect(parseListen('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListen(':443')).toEqual({ host: '0.0.0.0', port: 443 });
    expect(parseListen('collector.example:80')).toEqual({ host: 'collector.example', port: 80 });
    for (const bad of ['8080', '::1:8080', '127.0.0.1:65536', '127.0.0.1:', 'host:port']) {
      expect(() => parseListen(bad), bad).toThrow(expect.objectContaining({ code: 'KTO_ERR_CONFIG_INVALID' }));
    }
  });

  it('admin token file: generated once with mode 0600 in a new directory, then read back', async () => {
    const file = join(dir, 'sub', 'admin-token');
    const first = await loadOrCreateAdminToken(file);
    expect(first.created).toBe(true);
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toBe(first.token);
    const second = await loadOrCreateAdminToken(file);
    expect(second).toEqual({ token: first.token, created: false });
    expect(await readAdminToken(file)).toBe(first.token);
    // concurrent starters agree on one token
    const other = join(dir, 'race-token');
    const both = await Promise.all([loadOrCreateAdminToken(other), loadOrCreateAdminToken(other)]);
    expect(both[0].token).toBe(both[1].token);
    expect(both.filter((b) => b.created)).toHaveLength(1);
  });

  it('admin token file: empty -> KTO_ERR_CONFIG_ADMIN_TOKEN_FILE; readable by others -> a warning', async () => {
    const empty = join(dir, 'empty');
    await writeFile(empty, '\n');
    await expect(loadOrCreateAdminToken(empty)).rejects.toMatchObject({ code: 'KTO_ERR_CONFIG_ADMIN_TOKEN_FILE' });
    await expect(readAdminToken(join(dir, 'missing'))).rejects.toMatchObject({ code: 'KTO_ERR_CONFIG_ADMIN_TOKEN_FILE' });
    const open = join(dir, 'open');
    await writeFile(open, 'secret-token\n');
    await chmod(open, 0o644);
    expect(await loadOrCreateAdminToken(open)).toMatchObject({ token: 'secret-token', created: false, warning: expect.stringContaining('chmod 600') });
  });

  it('store options: exactly one of --data-dir and --clickhouse-url; password from a file', async () => {
    expect(await storeOptions({ dataDir: '/d' })).toEqual({ mode: 'chdb', dataDir: '/d' });
    const pw = join(dir, 'pw');
    await writeFile(pw, 's3cret\n');
    expect(await storeOptions({ clickhouseUrl: 'http://127.0.0.1:8123', database: 'kto2', clickhouseUser: 'kto', clickhousePasswordFile: pw }))
      .toEqual({ mode: 'server', url: 'http://127.0.0.1:8123', database: 'kto2', username: 'kto', password: 's3cret' });
    await expect(storeOptions({})).rejects.toMatchObject({ code: 'KTO_ERR_CONFIG_INVALID' });
    await expect(storeOptions({ dataDir: '/d', clickhouseUrl: 'http://x' })).rejects.toMatchObject({ code: 'KTO_ERR_CONFIG_INVALID' });
    await expect(storeOptions({ clickhouseUrl: 'http://x', clickhousePasswordFile: join(dir, 'nope') })).rejects.toMatchObject({ code: 'KTO_ERR_CONFIG_INVALID' });
  });

  it('admin token path defaults to <data-dir>/admin-token; required with a ClickHouse server', () => {
    expect(adminTokenPath(undefined, '/var/lib/kto')).toBe('/var/lib/kto/admin-token');
    expect(adminTokenPath('/etc/kto/token', '/var/lib/kto')).toBe('/etc/kto/token');
    expect(() => adminTokenPath(undefined, undefined)).toThrow(expect.objectContaining({ code: 'KTO_ERR_CONFIG_INVALID' }));
  });
});
