// Child processes for the scripts and benches (demo, eval:lab, bench/*): Node children started with a
// log file, stopped by their own PID (SIGTERM, then SIGKILL after a grace period), and the small waits
// around them. test/support/processes.ts is the typed counterpart for the tests.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, closeSync, constants as fsConstants, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const SETPRIV = '/usr/bin/setpriv';

function hasSetpriv() {
  try {
    accessSync(SETPRIV, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A TCP port free on `host` right now (the kernel's choice). */
export function freePort(host = '127.0.0.1') {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, host, () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/** Polls `fn` until it returns something other than undefined; throws after `timeoutMs`. */
export async function waitFor(what, fn, timeoutMs, intervalMs = 100) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Runs `node ...args` to its end; its output (stdout then stderr interleaved), or an error with the tail of it. */
export async function runToEnd(args, timeoutMs = 30_000) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b) => { out += b; });
  child.stderr.on('data', (b) => { out += b; });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = await once(child, 'exit');
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${args.slice(0, 2).join(' ')} exited ${code}: ${out.slice(-2000)}`);
  return out;
}

/**
 * `node ...args` with stdout and stderr appended to `logFile`.
 * Options: `group` (own process group, so that a Ctrl-C at the terminal reaches only the parent; with
 * setpriv the child also gets SIGTERM should the parent die without stopping it), `onExit(code)`.
 */
export function startNode(name, args, logFile, opts = {}) {
  const fd = openSync(logFile, 'a');
  const group = opts.group === true;
  const [cmd, argv] = group && hasSetpriv() ? [SETPRIV, ['--pdeathsig', 'SIGTERM', '--', process.execPath, ...args]] : [process.execPath, args];
  const child = spawn(cmd, argv, { stdio: ['ignore', fd, fd], detached: group });
  closeSync(fd);
  let done = false;
  const exited = once(child, 'exit').then(([code, signal]) => signal ?? code, () => null);
  void exited.then((how) => {
    done = true;
    opts.onExit?.(how);
  });
  return {
    name, child, pid: child.pid, logFile, exited,
    running: () => !done,
    /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
    async stop(graceMs = 10_000) {
      if (done || child.pid === undefined) return;
      try {
        process.kill(child.pid, 'SIGTERM');
      } catch {
        return;
      }
      const t = await Promise.race([exited.then(() => 'exited'), sleep(graceMs, 'timeout')]);
      if (t === 'timeout' && !done) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
        await exited;
      }
    },
  };
}
