// The state file of `kto-lab up`: which processes it runs and which addresses it holds, so that
// `kto-lab down` stops exactly those (by PID, after checking that each PID is still that process).

import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { KtoError } from '@kto/core';

export interface LabStateFile {
  version: 1;
  /** PID of the `kto-lab up` process (it serves the zones itself). */
  pid: number;
  /** The up process's command line marker, checked against /proc/<pid>/cmdline before signalling. */
  marker: string;
  startedAt: string;
  base: string;
  speed: number;
  /** The lab's temporary directory (resolver configurations). */
  dir: string;
  servers: string[];
  resolvers: { id: string; address: string; pid: number }[];
}

export const STATE_FILE = 'kto-lab.json';

/** Default state directory: $KTO_LAB_STATE_DIR, else <tmp>/kto-lab. */
export function defaultStateDir(): string {
  return process.env['KTO_LAB_STATE_DIR'] ?? join(tmpdir(), 'kto-lab');
}

export async function writeLabState(stateDir: string, state: LabStateFile): Promise<string> {
  await mkdir(stateDir, { recursive: true });
  const path = join(stateDir, STATE_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(tmp, path);
  return path;
}

export async function readLabState(stateDir: string): Promise<LabStateFile | undefined> {
  const path = join(stateDir, STATE_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KtoError('KTO_ERR_LAB_STATE_FILE', `cannot read ${path}: ${(err as Error).message}`, { path }, { cause: err });
  }
  let s: Partial<LabStateFile>;
  try {
    s = JSON.parse(text) as Partial<LabStateFile>;
  } catch (err) {
    throw new KtoError('KTO_ERR_LAB_STATE_FILE', `${path} is not JSON: ${(err as Error).message}`, { path }, { cause: err });
  }
  if (s.version !== 1 || !Number.isInteger(s.pid) || typeof s.marker !== 'string' || !Array.isArray(s.resolvers)
    || s.resolvers.some((r) => !Number.isInteger(r?.pid) || typeof r?.id !== 'string')) {
    throw new KtoError('KTO_ERR_LAB_STATE_FILE', `${path} is not a state file written by kto-lab up`, { path });
  }
  return s as LabStateFile;
}

export async function removeLabState(stateDir: string, pid: number): Promise<void> {
  const current = await readLabState(stateDir).catch(() => undefined);
  // never remove the state of another up that started since
  if (current === undefined || current.pid === pid) await rm(join(stateDir, STATE_FILE), { force: true });
}

/** The NUL-separated command line of a live process, or undefined when there is no such process. */
async function cmdline(pid: number): Promise<string | undefined> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
  } catch {
    return undefined;
  }
}

/** True while process `pid` runs and its command line contains `marker` (so a reused PID is never hit). */
export async function isOurProcess(pid: number, marker: string): Promise<boolean> {
  const line = await cmdline(pid);
  return line !== undefined && line.includes(marker);
}

/**
 * Stops process `pid` if it is still ours: SIGTERM, then SIGKILL after `graceMs`. Returns what
 * happened: 'stopped', 'killed' or 'gone' (not running, or a different program by now).
 */
export async function stopPid(pid: number, marker: string, graceMs: number): Promise<'stopped' | 'killed' | 'gone'> {
  if (!(await isOurProcess(pid, marker))) return 'gone';
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'gone';
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!(await isOurProcess(pid, marker))) return 'stopped';
    await sleep(50);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return 'stopped';
  }
  for (let i = 0; i < 100 && (await isOurProcess(pid, marker)); i++) await sleep(50);
  return 'killed';
}
