#!/usr/bin/env node
// kto-lab: the lab's command line (ARCHITECTURE.md §6).
//   kto-lab list [--json]                    the scenario catalogue
//   kto-lab truth NAME                       a scenario's ground truth, JSON
//   kto-lab validate FILE                    checks a scenario file
//   kto-lab up --scenario NAME ... [--scenario-file F ...] [--speed X] [--base 127.60] [--state-dir D]
//              [--no-resolvers] [--unbound PATH] [--port N] [--for SECONDS]
//                                            runs a lab in the foreground: JSON on stdout, a summary on stderr
//   kto-lab down [--state-dir D]             stops what `up` started (its PID file is in the state dir)
// The only file of the package that touches process (signals, exit codes, argv).

import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { KtoError, isKtoError } from '@kto/core';
import { defaultStateDir, isOurProcess, readLabState, removeLabState, stopPid, writeLabState } from './lab-state.js';
import type { LabStateFile } from './lab-state.js';
import { loadScenarioFile } from './scenario/validate.js';
import type { Scenario } from './scenario/types.js';
import { catalogue } from './scenarios/index.js';
import { truthOf } from './truth/index.js';
import { startLab } from './world.js';
import type { LabDescription } from './world.js';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const USAGE = `usage:
  kto-lab list [--json]
  kto-lab truth NAME
  kto-lab validate FILE
  kto-lab up --scenario NAME [--scenario NAME ...] [--scenario-file FILE ...] [--speed X] [--base 127.60]
             [--state-dir DIR] [--no-resolvers] [--unbound PATH] [--port N] [--for SECONDS]
  kto-lab down [--state-dir DIR]`;

function usage(message: string): never {
  throw new KtoError('KTO_ERR_LAB_BAD_OPTION', `${message}\n${USAGE}`);
}

function findScenario(name: string): Scenario {
  const s = catalogue.find((x) => x.name === name);
  if (s === undefined) {
    throw new KtoError('KTO_ERR_LAB_UNKNOWN_SCENARIO', `no scenario ${JSON.stringify(name)} in the catalogue (kto-lab list shows them)`, { name });
  }
  return s;
}

function number(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) usage(`${flag} needs a number, got ${JSON.stringify(text)}`);
  return n;
}

function summary(d: LabDescription, stateFile: string): string {
  const lines = [
    `kto-lab: up at speed ${d.speed} in ${d.base}.0.0/16; lab second 0 = ${d.startedAt}`,
    `trust anchor: ${d.trustAnchor}`,
    `root ${d.root.zone} ${d.root.address}   TLD ${d.tld.zone} ${d.tld.address}`,
    d.resolvers.length === 0 ? 'resolvers: none' : 'resolvers:',
    ...d.resolvers.map((r) => `  ${r.id.padEnd(10)} ${r.continent}/${r.country}  ${r.behaviour.padEnd(13)} ${r.address}:${r.port}  (pid ${r.pid})`),
    'zones:',
    ...d.zones.map((z) => `  ${z.zone.padEnd(28)} ${z.kind.padEnd(10)} ${z.procedure.padEnd(32)} ${z.duration} lab s; `
      + z.providers.map((p) => `${p.id}: ${p.servers.map((s) => s.address).join(' ')}`).join('; ')),
    ...d.warnings.map((w) => `warning: ${w}`),
    `state: ${stateFile} (kto-lab down stops this lab)`,
  ];
  return `${lines.join('\n')}\n`;
}

async function up(args: string[], io: CliIo, stop: Promise<string>): Promise<number> {
  const { values } = parseArgs({
    args, allowPositionals: false, strict: true,
    options: {
      scenario: { type: 'string', multiple: true }, 'scenario-file': { type: 'string', multiple: true },
      speed: { type: 'string' }, base: { type: 'string' }, 'state-dir': { type: 'string' }, 'no-resolvers': { type: 'boolean' },
      unbound: { type: 'string' }, port: { type: 'string' }, for: { type: 'string' },
    },
  });
  const scenarios = (values.scenario ?? []).map(findScenario);
  for (const f of values['scenario-file'] ?? []) scenarios.push(await loadScenarioFile(f));
  if (scenarios.length === 0) usage('up needs at least one --scenario or --scenario-file');
  const stateDir = values['state-dir'] ?? defaultStateDir();
  const previous = await readLabState(stateDir);
  if (previous !== undefined && await isOurProcess(previous.pid, previous.marker)) {
    throw new KtoError('KTO_ERR_LAB_STATE_FILE', `a lab started by kto-lab up (pid ${previous.pid}) still runs with state in ${stateDir}: kto-lab down --state-dir ${stateDir} first, or use another --state-dir`);
  }
  const speed = number(values.speed, '--speed');
  const port = number(values.port, '--port');
  const forSeconds = number(values.for, '--for');
  const lab = await startLab({
    scenarios,
    ...(speed !== undefined ? { speed } : {}),
    ...(values.base !== undefined ? { base: values.base } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(values['no-resolvers'] === true ? { resolvers: [] } : {}),
    ...(values.unbound !== undefined ? { unboundPath: values.unbound } : {}),
  });
  let stateFile = join(stateDir, 'kto-lab.json');
  try {
    const d = lab.describe();
    const state: LabStateFile = {
      version: 1, pid: process.pid, marker: process.argv[1] ?? 'kto-lab', startedAt: d.startedAt, base: d.base, speed: d.speed, dir: lab.dir,
      servers: d.servers.map((s) => s.address),
      resolvers: d.resolvers.flatMap((r) => [
        { id: r.id, address: r.address, pid: r.pid },
        ...(r.cache !== undefined ? [{ id: `${r.id}-cache`, address: r.cache.address, pid: r.cache.pid }] : []),
      ]),
    };
    stateFile = await writeLabState(stateDir, state);
    io.out(`${JSON.stringify({ ...d, stateFile }, null, 2)}\n`);
    io.err(summary(d, stateFile));
    const timer = forSeconds === undefined ? undefined : new Promise<string>((resolve) => setTimeout(() => resolve(`--for ${forSeconds}`), forSeconds * 1000).unref());
    const why = await Promise.race(timer === undefined ? [stop] : [stop, timer]);
    io.err(`kto-lab: stopping (${why})\n`);
  } finally {
    await lab.stop();
    await removeLabState(stateDir, process.pid);
  }
  return 0;
}

async function down(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, allowPositionals: false, strict: true, options: { 'state-dir': { type: 'string' } } });
  const stateDir = values['state-dir'] ?? defaultStateDir();
  const state = await readLabState(stateDir);
  if (state === undefined) throw new KtoError('KTO_ERR_LAB_STATE_FILE', `no lab state in ${stateDir}: nothing started by kto-lab up runs there`, { stateDir });
  // the up process stops its resolvers and servers on SIGTERM; whatever survives is stopped by PID
  const upResult = await stopPid(state.pid, state.marker, 10_000);
  io.err(`kto-lab up (pid ${state.pid}): ${upResult}\n`);
  for (const r of state.resolvers) {
    const result = await stopPid(r.pid, join(state.dir, `unbound-${r.id}`), 3000);
    if (result !== 'gone') io.err(`resolver ${r.id} (pid ${r.pid}): ${result}\n`);
  }
  await removeLabState(stateDir, state.pid);
  return 0;
}

function list(args: string[], io: CliIo): number {
  const { values } = parseArgs({ args, allowPositionals: false, strict: true, options: { json: { type: 'boolean' } } });
  if (values.json === true) {
    io.out(`${JSON.stringify(catalogue.map((s) => ({
      name: s.name, kind: s.kind, procedure: s.procedure, label: s.label, duration: s.duration, description: s.description, references: s.references,
    })), null, 2)}\n`);
  } else {
    for (const s of catalogue) io.out(`${s.name.padEnd(40)} ${s.kind.padEnd(10)} ${s.procedure.padEnd(32)} ${String(s.duration).padStart(5)} lab s\n`);
  }
  return 0;
}

/** Runs one kto-lab command; resolves with the exit code. `stop` resolves when `up` must stop (a signal). */
export async function main(argv: readonly string[], io: CliIo, stop: Promise<string>): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'list':
      return list(rest, io);
    case 'truth': {
      const { positionals } = parseArgs({ args: rest, allowPositionals: true, strict: true, options: {} });
      if (positionals.length !== 1) usage('truth needs exactly one scenario name');
      io.out(`${JSON.stringify(truthOf(findScenario(positionals[0] as string)), null, 2)}\n`);
      return 0;
    }
    case 'validate': {
      const { positionals } = parseArgs({ args: rest, allowPositionals: true, strict: true, options: {} });
      if (positionals.length !== 1) usage('validate needs exactly one scenario file');
      const s = await loadScenarioFile(positionals[0] as string);
      io.out(`${positionals[0]}: scenario ${s.name} is valid\n`);
      return 0;
    }
    case 'up':
      return up(rest, io, stop);
    case 'down':
      return down(rest, io);
    case undefined: case 'help': case '--help': case '-h':
      io.out(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      return usage(`unknown command ${JSON.stringify(command)}`);
  }
}

function isEntry(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  const io: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
  const stop = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  main(process.argv.slice(2), io, stop).then(
    (code) => { process.exitCode = code; },
    (err: unknown) => {
      io.err(`kto-lab: ${isKtoError(err) ? `${err.code}: ${err.message}` : (err as Error).stack ?? String(err)}\n`);
      process.exitCode = isKtoError(err, 'KTO_ERR_LAB_BAD_OPTION') ? 2 : 1;
    },
  );
}
