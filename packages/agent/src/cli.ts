#!/usr/bin/env node
// kto-agent: `run` (default), `enroll`, `status`. The only file that touches process signals and
// exit codes. Every run flag comes from config.ts's OPTIONS table, with its env var and default.
import { KtoError, isKtoError } from '@kto/core';
import { Command, Option } from 'commander';
import { createAgent } from './agent.js';
import { CONFIG_FILE_OPTION, OPTIONS, loadConfig, type ConfigKey, type OptionSpec } from './config.js';
import { enroll } from './enroll.js';
import { createLogger } from './log.js';
import { formatStateStatus, readStateStatus } from './status.js';
import { AGENT_VERSION } from './version.js';

type Flags = Record<string, unknown>;

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Adds the config flags for `keys` to `cmd`; returns attributeName → config key. */
function addConfigOptions(cmd: Command, keys: readonly ConfigKey[]): Map<string, ConfigKey> {
  const names = new Map<string, ConfigKey>();
  const file = new Option(CONFIG_FILE_OPTION.flag, `${CONFIG_FILE_OPTION.help} (env ${CONFIG_FILE_OPTION.env}; default none)`);
  cmd.addOption(file);
  for (const key of keys) {
    const spec: OptionSpec<unknown> = OPTIONS[key];
    const opt = new Option(spec.flag, `${spec.help} (env ${spec.env}; default ${spec.defaultText})`);
    if (spec.multiple === true) opt.argParser(collect);
    cmd.addOption(opt);
    names.set(opt.attributeName(), key);
  }
  return names;
}

function configFlags(opts: Flags, names: Map<string, ConfigKey>): Flags {
  const flags: Flags = { configFile: opts.config };
  for (const [attr, key] of names) flags[key] = opts[attr];
  return flags;
}

const program = new Command('kto-agent')
  .description('KTO agent: asks resolvers (and authoritative servers) about tracked zones\' DNSSEC records and streams signed observation batches to a KTO collector')
  .version(AGENT_VERSION)
  .showHelpAfterError()
  .addHelpText('after', '\nWithout a command, `run` is meant. `kto-agent run --help` lists every setting with its environment\nvariable and default (precedence: flag > env KTO_* > --config file > default). See docs/agent.md.');

const runCmd = program.command('run', { isDefault: true })
  .description('run the agent (the default command); stops gracefully on SIGINT/SIGTERM');
const runNames = addConfigOptions(runCmd, Object.keys(OPTIONS) as ConfigKey[]);
runCmd.action(async (opts: Flags) => {
  const config = loadConfig({ flags: configFlags(opts, runNames), env: process.env });
  const log = createLogger(config.logLevel);
  const agent = createAgent(config, { logger: log });
  let stopping: Promise<void> | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping !== undefined) {
      log.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    log.info({ signal }, 'stopping');
    stopping = agent.stop().then(
      () => { process.exitCode = 0; },
      (err: unknown) => { log.error({ err }, 'error while stopping'); process.exitCode = 1; },
    ).finally(() => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await agent.start();
  } catch (err) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    throw err;
  }
});

const enrollCmd = program.command('enroll')
  .description('register this agent\'s key with a collector using an enrolment token (makes the key on first use)')
  .option('--token <token>', 'enrolment token from the collector\'s admin (env KTO_ENROLMENT_TOKEN; required)')
  .option('--name <name>', 'a name for this agent shown by the collector (default none)');
const enrollNames = addConfigOptions(enrollCmd, ['collector', 'stateDir', 'country', 'continent', 'asn']);
enrollCmd.action(async (opts: Flags) => {
  const config = loadConfig({ flags: configFlags(opts, enrollNames), env: process.env });
  const token = typeof opts.token === 'string' && opts.token !== '' ? opts.token : process.env.KTO_ENROLMENT_TOKEN;
  const missing = [
    token === undefined || token === '' ? '--token' : '',
    config.collector === undefined ? '--collector' : '', config.country === undefined ? '--country' : '',
    config.continent === undefined ? '--continent' : '',
  ].filter((m) => m !== '');
  if (missing.length > 0) throw new KtoError('KTO_ERR_AGENT_BAD_CONFIG', `enroll needs ${missing.join(', ')}`);
  const r = await enroll({
    collector: config.collector!, token: token!, country: config.country!, continent: config.continent!,
    asn: config.asn, name: typeof opts.name === 'string' ? opts.name : undefined, stateDir: config.stateDir,
  });
  process.stdout.write(`${r.alreadyEnrolled ? 'already enrolled' : 'enrolled'}: agent id ${r.enrolment.agentId}\n`
    + `collector ${r.enrolment.collector}; state in ${config.stateDir}${r.keyCreated ? ' (new key made)' : ''}\n`);
  if (Math.abs(r.clockSkewMs) > 60_000) {
    process.stderr.write(`warning: this clock differs from the collector's by ${Math.round(r.clockSkewMs / 1000)} s; batches and the WebSocket Hello may be refused\n`);
  }
});

const statusCmd = program.command('status')
  .description('print identity, agent id, spool size and the last acknowledged seq of a state directory')
  .option('--json', 'print JSON (default: text)');
const statusNames = addConfigOptions(statusCmd, ['stateDir']);
statusCmd.action(async (opts: Flags) => {
  const config = loadConfig({ flags: configFlags(opts, statusNames), env: process.env });
  const s = await readStateStatus(config.stateDir);
  process.stdout.write(opts.json === true ? `${JSON.stringify(s, null, 2)}\n` : formatStateStatus(s));
});

program.parseAsync(process.argv).catch((err: unknown) => {
  if (isKtoError(err)) {
    process.stderr.write(`kto-agent: ${err.code}: ${err.message}\n`);
    process.exitCode = err.code === 'KTO_ERR_AGENT_BAD_CONFIG' || err.code === 'KTO_ERR_AGENT_CONFIG_FILE' ? 2 : 1;
  } else {
    process.stderr.write(`kto-agent: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
});
