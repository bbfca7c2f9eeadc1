#!/usr/bin/env node
// kto-collector: see cli-program.ts for the flags; `kto-collector --help` lists them with their KTO_* variables.
import { isKtoError } from '@kto/core';
import { exitCodeOf, rebuildRunsCommand, serveCommand, tokenCreateCommand } from './cli-actions.js';
import { buildProgram } from './cli-program.js';

buildProgram({
  serve: serveCommand,
  tokenCreate: (cfg) => tokenCreateCommand(cfg, (line) => process.stdout.write(`${line}\n`)),
  rebuildRuns: (cfg) => rebuildRunsCommand(cfg, (line) => process.stdout.write(`${line}\n`)),
}).parseAsync(process.argv).catch((err: unknown) => {
  const code = isKtoError(err) ? `${err.code}: ` : '';
  process.stderr.write(`kto-collector: ${code}${(err as Error).message}\n`);
  process.exitCode = exitCodeOf(err);
});
