// kto-lab: list, truth and validate in process; up and down as real processes (the built CLI), which
// must leave no process and no state behind.

import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RCODE } from '@kto/core';
import { main } from './cli.js';
import type { CliIo } from './cli.js';
import { labQuery } from './dns-client.js';
import { catalogue } from './scenarios/index.js';
import type { LabDescription } from './world.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(ROOT, 'packages/lab/dist/cli.js');

function capture(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => { out += t; }, err: (t) => { err += t; }, stdout: () => out, stderr: () => err };
}

const never = new Promise<string>(() => undefined);

const scenario = {
  name: 'test-cli', kind: 'conformant', procedure: 'zsk-pre-publish', description: 'ZSK pre-publish', references: [],
  label: 'cli', ttl: { dnskey: 20, zone: 20, ds: 20 }, parent: { mode: 'registration', delay: 10 },
  keys: [{ id: 'K1', role: 'KSK', algorithm: 13 }, { id: 'Z10', role: 'ZSK', algorithm: 13 }, { id: 'Z11', role: 'ZSK', algorithm: 13 }],
  initial: { published: ['K1', 'Z10'], signing: [{ key: 'K1' }, { key: 'Z10' }], ds: ['K1'] },
  steps: [{ at: 20, note: 'new DNSKEY', do: [{ publish: 'Z11' }] }],
  duration: 100, expectedFindings: [],
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kto-lab-cli-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('kto-lab list, truth, validate', () => {
  it('lists the catalogue, as text and as JSON', async () => {
    const io = capture();
    expect(await main(['list', '--json'], io, never)).toBe(0);
    const listed = JSON.parse(io.stdout()) as { name: string; kind: string }[];
    expect(listed.map((s) => s.name)).toEqual(catalogue.map((s) => s.name));
    const text = capture();
    await main(['list'], text, never);
    expect(text.stdout().trim().split('\n')).toHaveLength(catalogue.length);
  });

  it('prints a scenario\'s ground truth as JSON, and names an unknown scenario', async () => {
    const name = (catalogue[0] as { name: string }).name;
    const io = capture();
    expect(await main(['truth', name], io, never)).toBe(0);
    expect(JSON.parse(io.stdout())).toMatchObject({ name });
    await expect(main(['truth', 'no-such-scenario'], capture(), never)).rejects.toMatchObject({ code: 'KTO_ERR_LAB_UNKNOWN_SCENARIO' });
    await expect(main(['frobnicate'], capture(), never)).rejects.toMatchObject({ code: 'KTO_ERR_LAB_BAD_OPTION' });
  });

  it('validates a scenario file, naming the step and field of an error', async () => {
    const ok = join(dir, 'ok.json');
    await writeFile(ok, JSON.stringify(scenario));
    const io = capture();
    expect(await main(['validate', ok], io, never)).toBe(0);
    expect(io.stdout()).toContain('scenario test-cli is valid');
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ ...scenario, steps: [{ at: 20, note: 'x', do: [{ sign: 'Z11', scope: 'dnskey' }] }] }));
    await expect(main(['validate', bad], capture(), never)).rejects.toThrow('steps[0].do[0].scope: a ZSK (Z11) cannot sign scope "dnskey"');
  });
});

/** True while `pid` runs (a zombie, exited but not yet reaped, counts as gone). */
function alive(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

describe('kto-lab up and down (processes)', () => {
  let upProcess: ChildProcess | undefined;

  beforeAll(async () => {
    // the CLI runs from its build; tsc -b is incremental
    await run('npx', ['tsc', '-b', 'packages/lab'], { cwd: ROOT, timeout: 120_000 });
  }, 150_000);

  afterAll(() => {
    if (upProcess?.exitCode === null && upProcess.signalCode === null) upProcess.kill('SIGKILL');
  });

  it('up prints the lab and writes its state; down stops exactly what up started', async () => {
    const file = join(dir, 'scenario.json');
    await writeFile(file, JSON.stringify(scenario));
    const stateDir = join(dir, 'state');
    const up = spawn(process.execPath, [CLI, 'up', '--scenario-file', file, '--speed', '10', '--base', '127.66', '--state-dir', stateDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    upProcess = up;
    let stdout = '';
    let stderr = '';
    up.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    up.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<number | null>((resolve) => up.once('exit', (code) => resolve(code)));
    for (let i = 0; i < 300 && !stderr.includes('kto-lab down stops this lab'); i++) {
      if (up.exitCode !== null) break;
      await sleep(100);
    }
    expect(stderr, stderr).toContain('kto-lab down stops this lab');
    const d = JSON.parse(stdout) as LabDescription & { stateFile: string };
    expect(d.zones.map((z) => z.zone)).toEqual(['cli.lab.']);
    expect(d.trustAnchor).toMatch(/^\. IN DS /);
    expect(d.resolvers.length).toBeGreaterThan(0);
    expect(stderr).toMatch(/resolvers:\n\s+eu-cz-1\s+EU\/CZ\s+honest/);
    const state = JSON.parse(await readFile(d.stateFile, 'utf8')) as { pid: number; resolvers: { pid: number }[] };
    expect(state.pid).toBe(up.pid);
    const pids = state.resolvers.map((r) => r.pid);
    expect(pids.length).toBeGreaterThan(d.resolvers.length); // the behind-cache resolver's cache too
    expect(pids.every(alive)).toBe(true);

    // the lab works: a resolver validates the zone
    const honest = d.resolvers.find((r) => r.behaviour === 'honest');
    const reply = await labQuery(honest?.address as string, 'cli.lab.', 'SOA');
    expect(reply.message.header).toMatchObject({ rcode: RCODE.NOERROR, ad: true });

    // a second up on the same addresses is refused with the reason
    const second = await run(process.execPath, [CLI, 'up', '--scenario-file', file, '--base', '127.66', '--state-dir', join(dir, 'other'), '--no-resolvers'])
      .catch((err: { code: number; stderr: string }) => err);
    expect('code' in second ? second.code : 0).toBe(1);
    expect(second.stderr).toContain('KTO_ERR_LAB_ADDRESS_IN_USE');

    const down = await run(process.execPath, [CLI, 'down', '--state-dir', stateDir]);
    expect(down.stderr).toContain(`kto-lab up (pid ${up.pid}): stopped`);
    expect(await exited).toBe(0);
    for (let i = 0; i < 50 && pids.some(alive); i++) await sleep(100);
    expect(pids.filter(alive)).toEqual([]);
    expect(existsSync(d.stateFile)).toBe(false);
    expect(existsSync(join(dir, 'other', 'kto-lab.json'))).toBe(false);
    // nothing left to stop
    const again = await run(process.execPath, [CLI, 'down', '--state-dir', stateDir]).catch((err: { code: number; stderr: string }) => err);
    expect(again.stderr).toContain('KTO_ERR_LAB_STATE_FILE');
  });
});
