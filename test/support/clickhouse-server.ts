// Test harness: a private ClickHouse server (Debian's clickhouse-server, 18.16 on these machines) as a
// child process, listening on 127.0.0.1 on free ports, with its config, data and logs in a temp dir.
// `stop()` ends it by PID and removes the dir; `pause()`/`resume()` (SIGSTOP/SIGCONT) and
// `halt()`/`start()` (stop and restart on the same data) make the store unavailable for a while.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface ClickHouseServerOptions {
  /** Longest wait for the first successful GET /ping, ms (default 30 s). */
  startTimeoutMs?: number;
  /** Wait after SIGTERM before SIGKILL, ms (default 15 s). */
  stopTimeoutMs?: number;
}

export interface ClickHouseServer {
  /** HTTP interface, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly httpPort: number;
  readonly tcpPort: number;
  /** The temp dir holding config.xml, users.xml, data/ and log/. */
  readonly dir: string;
  /** PID of the running server process (0 while halted). */
  readonly pid: number;
  /** SIGTERM, wait for exit (SIGKILL after stopTimeoutMs), remove the temp dir. Idempotent. */
  stop(): Promise<void>;
  /** SIGSTOP: connections are accepted by the kernel but nothing answers. */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Stops the process and keeps its data: connections are refused until start(). */
  halt(): Promise<void>;
  /** Starts the process again on the same ports and data after halt(). */
  start(): Promise<void>;
}

const CANDIDATES = ['/usr/bin/clickhouse-server', '/usr/sbin/clickhouse-server'];

/** The server binary: $KTO_CLICKHOUSE_SERVER, the Debian locations, then $PATH. */
export function findClickHouseServer(env: NodeJS.ProcessEnv = process.env, candidates: readonly string[] = CANDIDATES): string {
  const fromEnv = env['KTO_CLICKHOUSE_SERVER'];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (existsSync(fromEnv)) return fromEnv;
    throw new Error(`KTO_CLICKHOUSE_SERVER=${fromEnv} does not exist`);
  }
  const path = (env['PATH'] ?? '').split(delimiter).filter((d) => d !== '');
  for (const candidate of [...candidates, ...path.map((d) => join(d, 'clickhouse-server'))]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(
    `clickhouse-server is not installed (looked in ${[...candidates, '$PATH'].join(', ')}): install it with ` +
      '`apt-get install -y clickhouse-server`, as .ci/run does, or point KTO_CLICKHOUSE_SERVER at the binary',
  );
}

/** A TCP port free on 127.0.0.1 right now (the kernel's choice for port 0). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function configXml(dir: string, httpPort: number, tcpPort: number): string {
  return `<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>${dir}/log/clickhouse-server.log</log>
    <errorlog>${dir}/log/clickhouse-server.err.log</errorlog>
    <size>10M</size>
    <count>1</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <mlock_executable>false</mlock_executable>
</yandex>
`;
}

const USERS_XML = `<?xml version="1.0"?>
<yandex>
  <profiles>
    <default>
      <allow_experimental_low_cardinality_type>1</allow_experimental_low_cardinality_type>
    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas>
    <default>
      <interval>
        <duration>3600</duration>
        <queries>0</queries>
        <errors>0</errors>
        <result_rows>0</result_rows>
        <read_rows>0</read_rows>
        <execution_time>0</execution_time>
      </interval>
    </default>
  </quotas>
</yandex>
`;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function pingOnce(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1_000) });
    return res.ok && (await res.text()).startsWith('Ok.');
  } catch {
    return false;
  }
}

function tail(file: string, bytes = 2_000): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.slice(-bytes);
  } catch {
    return '';
  }
}

class ServerProcess implements ClickHouseServer {
  readonly url: string;
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private paused = false;
  private removed = false;
  private output = '';
  private readonly killOnExit = (): void => {
    this.child?.kill('SIGKILL');
  };

  constructor(
    private readonly binary: string,
    readonly dir: string,
    readonly httpPort: number,
    readonly tcpPort: number,
    private readonly opts: Required<ClickHouseServerOptions>,
  ) {
    this.url = `http://127.0.0.1:${httpPort}`;
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  async start(): Promise<void> {
    if (this.removed) throw new Error('clickhouse-server: start() after stop()');
    if (this.child !== null) return;
    this.output = '';
    const child = spawn(this.binary, [`--config-file=${join(this.dir, 'config.xml')}`], {
      cwd: this.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString('utf8')).slice(-4_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let exitInfo: string | null = null;
    this.exited = new Promise((resolve) => {
      const gone = (info: string): void => {
        if (exitInfo !== null) return;
        exitInfo = info;
        if (this.child === child) {
          this.child = null;
          this.paused = false;
        }
        process.removeListener('exit', this.killOnExit);
        resolve();
      };
      child.once('exit', (code, signal) => gone(`code ${code} signal ${signal}`));
      child.once('error', (err) => gone(`spawn error: ${err.message}`));
    });
    this.child = child;
    process.on('exit', this.killOnExit);

    const deadline = Date.now() + this.opts.startTimeoutMs;
    while (Date.now() < deadline) {
      if (exitInfo !== null) break;
      if (await pingOnce(this.url)) return;
      await sleep(50);
    }
    const why = exitInfo !== null ? `exited (${exitInfo})` : `did not answer /ping within ${this.opts.startTimeoutMs} ms`;
    const details = [this.output, tail(join(this.dir, 'log', 'clickhouse-server.err.log'))].join('\n').trim();
    await this.terminate();
    throw new Error(`clickhouse-server ${why}; output:\n${details}`);
  }

  pause(): void {
    if (this.child === null || this.paused) return;
    this.child.kill('SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    if (this.child === null || !this.paused) return;
    this.child.kill('SIGCONT');
    this.paused = false;
  }

  /** SIGTERM (after SIGCONT if paused), then SIGKILL if it has not exited in time. */
  private async terminate(): Promise<void> {
    const child = this.child;
    if (child === null) return;
    this.resume();
    child.kill('SIGTERM');
    const timer = new Promise<'timeout'>((resolve) => {
      const t = setTimeout(() => resolve('timeout'), this.opts.stopTimeoutMs);
      t.unref();
    });
    if ((await Promise.race([this.exited.then(() => 'exited' as const), timer])) === 'timeout') {
      child.kill('SIGKILL');
      await this.exited;
    }
  }

  async halt(): Promise<void> {
    await this.terminate();
  }

  async stop(): Promise<void> {
    await this.terminate();
    if (!this.removed) {
      this.removed = true;
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** Starts a private clickhouse-server; throws (does not skip) when the binary is missing. */
export async function startClickHouseServer(options: ClickHouseServerOptions = {}): Promise<ClickHouseServer> {
  const binary = findClickHouseServer();
  const opts = { startTimeoutMs: options.startTimeoutMs ?? 30_000, stopTimeoutMs: options.stopTimeoutMs ?? 15_000 };
  let lastError: unknown;
  // A port found free can be taken before the server binds it: try again with new ports.
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'kto-clickhouse-'));
    for (const sub of ['data', 'tmp', 'log', 'user_files', 'format_schemas']) mkdirSync(join(dir, sub));
    const httpPort = await freePort();
    let tcpPort = await freePort();
    while (tcpPort === httpPort) tcpPort = await freePort();
    writeFileSync(join(dir, 'config.xml'), configXml(dir, httpPort, tcpPort));
    writeFileSync(join(dir, 'users.xml'), USERS_XML);
    const server = new ServerProcess(binary, dir, httpPort, tcpPort, opts);
    try {
      await server.start();
      return server;
    } catch (err) {
      lastError = err;
      await server.stop();
      if (!/address already in use|Net Exception/i.test(String(err))) break;
    }
  }
  throw lastError;
}
