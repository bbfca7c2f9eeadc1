// Child processes for real-server tests: find a program (or name the Debian package that has it),
// run a tool to completion, start a daemon in the foreground with its output in a log file, poll
// until a condition holds, and stop exactly the processes started here, by PID: SIGTERM, then
// SIGKILL after a grace period.

import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, open } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KtoError } from '@kto/core';

export const PROCESS_ERRORS = {
  KTO_ERR_PROC_MISSING_BINARY: 'a program a test needs is not installed; the message names the Debian package to install',
  KTO_ERR_PROC_TOOL_FAILED: 'a command-line tool exited non-zero, was killed or timed out; the message has its stderr',
  KTO_ERR_PROC_EXITED: 'a daemon exited before it was ready or before it was asked to stop; the message has its log tail',
  KTO_ERR_PROC_TIMEOUT: 'a condition a test waits for did not hold in time',
  KTO_ERR_PROC_UNSTOPPABLE: 'a process was still running after SIGTERM and SIGKILL',
} as const;

export type ProcessErrorCode = keyof typeof PROCESS_ERRORS;

// root's PATH does not always hold the sbin directories, where knotd, keymgr and unbound live
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
const found = new Map<string, string>();

/**
 * Absolute path of the executable `name`, searched in PATH and the sbin directories. Throws
 * KTO_ERR_PROC_MISSING_BINARY naming `debianPackage` when it is not installed.
 */
export async function findBinary(name: string, debianPackage: string): Promise<string> {
  const cached = found.get(name);
  if (cached !== undefined) return cached;
  const dirs = new Set([...(process.env['PATH'] ?? '').split(delimiter).filter((d) => d !== ''), ...EXTRA_DIRS]);
  for (const dir of dirs) {
    const path = join(dir, name);
    try {
      await access(path, fsConstants.X_OK);
      found.set(name, path);
      return path;
    } catch {
      // not in this directory
    }
  }
  throw new KtoError(
    'KTO_ERR_PROC_MISSING_BINARY',
    `${name} is not installed: install the Debian package ${debianPackage} (apt-get install -y ${debianPackage})`,
    { binary: name, debianPackage },
  );
}

export interface ToolOutput {
  stdout: string;
  stderr: string;
}

/** Runs `command` to completion; rejects with KTO_ERR_PROC_TOOL_FAILED unless it exits 0. */
export function runTool(command: string, args: readonly string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<ToolOutput> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolvePromise, reject) => {
    execFile(
      command,
      args,
      { cwd: opts.cwd, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 << 20, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err === null) {
          resolvePromise({ stdout, stderr });
          return;
        }
        const how = err.killed ? `was killed after ${timeoutMs} ms` : `failed (${err.code ?? err.signal ?? err.message})`;
        reject(new KtoError(
          'KTO_ERR_PROC_TOOL_FAILED',
          `${command} ${args.join(' ')} ${how}: ${tail(stderr || stdout, 2000)}`,
          { command, args: [...args] },
          { cause: err },
        ));
      },
    );
  });
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

// Children still running when the test process ends are killed then, so that a crashed or killed
// test run never leaves a server bound to a port: by the kernel, as their parent-death signal
// (setpriv --pdeathsig sets it, then execs the daemon under the same PID; this covers a test
// worker that is itself killed, when no exit handler runs), and by an exit handler.
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function killRunningOnExit(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** A program started by startDaemon, running in the foreground with its output in `logFile`. */
export class Daemon {
  readonly label: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves when the process has exited (and was reaped), however it ended. */
  readonly exited: Promise<ExitStatus>;
  #status: ExitStatus | undefined;
  #stopping: Promise<ExitStatus> | undefined;
  readonly #child: ChildProcess;

  constructor(label: string, child: ChildProcess, pid: number, logFile: string) {
    this.label = label;
    this.pid = pid;
    this.logFile = logFile;
    this.#child = child;
    // after a successful spawn, 'error' means a signal could not be sent; stop() escalates anyway
    child.on('error', () => undefined);
    this.exited = new Promise((resolvePromise) => {
      child.once('exit', (code, signal) => {
        this.#status = { code, signal };
        running.delete(child);
        resolvePromise(this.#status);
      });
    });
  }

  /** The exit status, or undefined while the process runs. */
  get status(): ExitStatus | undefined {
    return this.#status;
  }

  /** Throws KTO_ERR_PROC_EXITED, with the end of the log, if the process has exited. */
  async assertRunning(): Promise<void> {
    const status = this.#status;
    if (status === undefined) return;
    throw new KtoError(
      'KTO_ERR_PROC_EXITED',
      `${this.label} (PID ${this.pid}) exited with ${status.signal ?? `code ${status.code}`}: ${await this.logTail()}`,
      { label: this.label, pid: this.pid, logFile: this.logFile },
    );
  }

  /** The last `bytes` of the log file (stdout and stderr of the process). */
  async logTail(bytes = 2000): Promise<string> {
    try {
      const fh = await open(this.logFile, 'r');
      try {
        const { size } = await fh.stat();
        const length = Math.min(size, bytes);
        const buf = Buffer.alloc(length);
        await fh.read(buf, 0, length, size - length);
        return buf.toString('utf8').trim();
      } finally {
        await fh.close();
      }
    } catch (err) {
      return `(log ${this.logFile} unreadable: ${(err as Error).message})`;
    }
  }

  /**
   * Stops the process: SIGTERM, then SIGKILL if it is still running after `graceMs`. Signals go
   * only to this child's PID and only while it has not exited, so a reused PID is never hit.
   * Resolves once the process has exited; idempotent.
   */
  stop(graceMs = 5000): Promise<ExitStatus> {
    this.#stopping ??= this.#stop(graceMs);
    return this.#stopping;
  }

  async #stop(graceMs: number): Promise<ExitStatus> {
    if (this.#status !== undefined) return this.#status;
    this.#child.kill('SIGTERM');
    const ended = await raceTimeout(this.exited, graceMs);
    if (ended !== undefined) return ended;
    if (this.#status === undefined) this.#child.kill('SIGKILL');
    const killed = await raceTimeout(this.exited, 5000);
    if (killed !== undefined) return killed;
    throw new KtoError(
      'KTO_ERR_PROC_UNSTOPPABLE',
      `${this.label} (PID ${this.pid}) is still running after SIGTERM and SIGKILL`,
      { label: this.label, pid: this.pid },
    );
  }
}

/**
 * Starts `command` in the foreground, stdout and stderr appended to `logFile`, stdin closed, with
 * SIGKILL as its parent-death signal (it dies with the thread that started it).
 * Resolves once the process exists (it may still fail right after; see Daemon.assertRunning).
 */
export async function startDaemon(
  label: string,
  command: string,
  args: readonly string[],
  opts: { logFile: string; cwd?: string; env?: NodeJS.ProcessEnv },
): Promise<Daemon> {
  if (!exitHookInstalled) {
    process.once('exit', killRunningOnExit);
    exitHookInstalled = true;
  }
  const setpriv = await findBinary('setpriv', 'util-linux');
  const log = await open(opts.logFile, 'a');
  try {
    const child = spawn(setpriv, ['--pdeathsig', 'KILL', '--', command, ...args], { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', log.fd, log.fd] });
    // spawn() sets the PID synchronously when the program started, and reports a failure with an
    // 'error' event; the Daemon listens for 'exit' before anything else can run
    if (child.pid === undefined) {
      const err = await new Promise<Error>((resolvePromise) => child.once('error', resolvePromise));
      throw new KtoError('KTO_ERR_PROC_EXITED', `${label}: cannot start ${command}: ${err.message}`, { label }, { cause: err });
    }
    const daemon = new Daemon(label, child, child.pid, opts.logFile);
    running.add(child);
    return daemon;
  } finally {
    await log.close(); // the child has its own copy of the descriptor
  }
}

/** True while a process with this PID exists (signal 0 probes without signalling). */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface WaitOptions {
  /** Names what is awaited, for the timeout error. */
  what: string;
  timeoutMs: number;
  /** Pause between attempts (default 50 ms). */
  intervalMs?: number;
  /** Called before each attempt; throw from it to give up at once (e.g. Daemon.assertRunning). */
  check?: () => Promise<void> | void;
}

/**
 * Calls `attempt` until it returns a value other than undefined, and returns that value. An error
 * thrown by `attempt` or `check` ends the wait with that error. Throws KTO_ERR_PROC_TIMEOUT after
 * `timeoutMs`.
 */
export async function waitFor<T>(attempt: () => Promise<T | undefined>, opts: WaitOptions): Promise<T> {
  const deadline = performance.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 50;
  for (;;) {
    await opts.check?.();
    const value = await attempt();
    if (value !== undefined) return value;
    if (performance.now() + interval > deadline) {
      throw new KtoError('KTO_ERR_PROC_TIMEOUT', `${opts.what}: not done after ${opts.timeoutMs} ms`, { what: opts.what });
    }
    await sleep(interval);
  }
}

/**
 * Waits for every promise to settle (so no work is still running afterwards), then rejects with
 * the first rejection, if any.
 */
export async function settleAll<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const values: T[] = [];
  for (const r of results) {
    if (r.status === 'rejected') throw r.reason;
    values.push(r.value);
  }
  return values;
}

async function raceTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  const ac = new AbortController();
  try {
    return await Promise.race([promise, sleep(ms, undefined, { signal: ac.signal }).catch(() => undefined)]);
  } finally {
    ac.abort();
  }
}

function tail(text: string, chars: number): string {
  const t = text.trim();
  return t.length <= chars ? t : `…${t.slice(-chars)}`;
}
