// One agent per state directory: `agent.lock` holds the running agent's pid. A lock left by a
// process that no longer exists (a crash) is taken over.
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { KtoError } from '@kto/core';

export const LOCK_FILE = 'agent.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface StateLock {
  release(): Promise<void>;
}

export async function lockStateDir(stateDir: string): Promise<StateLock> {
  const path = join(stateDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o600);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return { release: () => unlink(path).catch(() => undefined) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new KtoError('KTO_ERR_AGENT_STATE_IO', `cannot create ${path}: ${(err as Error).message}`, undefined, { cause: err });
      }
    }
    const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      throw new KtoError('KTO_ERR_AGENT_STATE_LOCKED', `another agent (pid ${pid}) runs on ${stateDir}`);
    }
    if (pid === process.pid) {
      throw new KtoError('KTO_ERR_AGENT_STATE_LOCKED', `an agent of this process already runs on ${stateDir}`);
    }
    await unlink(path).catch(() => undefined); // stale: its process is gone
  }
  throw new KtoError('KTO_ERR_AGENT_STATE_LOCKED', `cannot take ${path}`);
}
