// Crash-safe file replacement: write a temp file, fsync it, rename over the target, fsync the
// directory. After a crash the target holds either the old or the new content, never a mix.
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** fsync a directory, so that a rename or unlink in it survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export interface DurableWriteOptions {
  readonly mode?: number;
  /** Skip the directory fsync (the caller does one for several files). */
  readonly skipDirSync?: boolean;
}

export async function writeFileDurably(path: string, data: Uint8Array | string, options: DurableWriteOptions = {}): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.tmp`);
  const fh = await open(tmp, 'w', options.mode ?? 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fh.close();
  await rename(tmp, path);
  if (options.skipDirSync !== true) await fsyncDir(dir);
}
