/**
 * Lab helper for tests: a fresh `scripts/lab` topology per test file, with unique namespace names, torn down
 * in afterAll (and on process exit as a fallback), killing every process left in its namespaces.
 *
 * Nothing is ever sent from the root namespace: code that sends runs inside a lab namespace through
 * `ip netns exec NS node --import tsx ...` (a Node process cannot switch namespaces itself).
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const LAB_SCRIPT = `${ROOT}scripts/lab`;
export const CLI = `${ROOT}src/cli/main.ts`;

export interface LabInfo {
  name: string;
  vni: number;
  /** With `ipv6: true`: the hosts' IPv6 addresses (null otherwise: IPv6 is off on lab links). */
  ipv6: {
    client: string;
    pktcraftIp: string;
    router: string;
    routerServerSide: string;
    server: string;
  } | null;
  httpPort: number;
  stateDir: string;
  namespaces: { client: string; router: string; server: string };
  client: {
    namespace: string;
    interface: string;
    mac: string;
    ip: string;
    pktcraftIp: string;
    gateway: string;
    gatewayMac: string;
  };
  router: {
    namespace: string;
    clientSide: { interface: string; mac: string; ip: string };
    serverSide: { interface: string; mac: string; ip: string };
  };
  server: {
    namespace: string;
    interface: string;
    mac: string;
    ip: string;
    vxlan: {
      interface: string;
      vni: number;
      port: number;
      mac: string;
      ip: string;
      remote: string;
      peerMac: string;
      peerIp: string;
    };
    http: { ip: string; port: number; root: string };
  };
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

export type Place = 'client' | 'router' | 'server';

export class Lab {
  private readonly children = new Set<ChildProcess>();
  private down = false;

  constructor(readonly info: LabInfo) {}

  namespace(place: Place): string {
    return this.info.namespaces[place];
  }

  /** Runs a command inside a lab namespace and waits for it. */
  run(place: Place, argv: string[], options: { input?: string; timeoutMs?: number } = {}): RunResult {
    const result = spawnSync('ip', ['netns', 'exec', this.namespace(place), ...argv], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: options.timeoutMs ?? 30_000,
      ...(options.input !== undefined ? { input: options.input } : {}),
    });
    return { status: result.status ?? -1, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
  }

  /** Runs the pktcraft CLI (from source, through tsx) inside a lab namespace. */
  pktcraft(place: Place, args: string[], options: { timeoutMs?: number } = {}): RunResult {
    return this.run(place, ['node', '--import', 'tsx', CLI, ...args], options);
  }

  /** Starts a long-running command in a namespace (tcpdump); stopped by `stop` or at teardown. */
  start(place: Place, argv: string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.namespace(place), ...argv], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  /** Starts tcpdump writing to `file` and resolves once it is listening. */
  async tcpdump(
    place: Place,
    iface: string,
    file: string,
    filter: string[],
    extra: string[] = [],
  ): Promise<ChildProcess> {
    const child = this.start(place, [
      'tcpdump',
      '-i',
      iface,
      '-n',
      '--immediate-mode',
      '-U',
      '-w',
      file,
      ...extra,
      ...filter,
    ]);
    await new Promise<void>((resolve, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${text}`)), 10_000);
      child.stderr!.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('listening on')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`tcpdump exited with ${code}: ${text}`));
      });
    });
    return child;
  }

  /** Stops a started process (SIGINT, so tcpdump flushes) and waits for it. */
  async stop(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
      }, 5000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGINT');
    });
  }

  /** Removes the lab: kills started processes and everything else in its namespaces, deletes them. */
  teardown(): void {
    if (this.down) return;
    this.down = true;
    for (const child of this.children) child.kill('SIGKILL');
    spawnSync(LAB_SCRIPT, ['down', '--name', this.info.name], { encoding: 'utf8', timeout: 30_000 });
  }
}

let counter = 0;

/** Builds a lab with a unique name (pkc-<pid>-<n>-<random>). */
export function createLab(options: { vni?: number; ipv6?: boolean } = {}): Lab {
  const name = `pkc-${process.pid}-${counter++}-${randomBytes(2).toString('hex')}`;
  const vni = options.vni ?? 4242;
  const args = ['up', '--name', name, '--vni', String(vni), '--json', ...(options.ipv6 ? ['--ipv6'] : [])];
  const output = execFileSync(LAB_SCRIPT, args, {
    encoding: 'utf8',
    timeout: 60_000,
  });
  const lab = new Lab(JSON.parse(output) as LabInfo);
  process.once('exit', () => lab.teardown());
  return lab;
}

/** Registers a lab for the current test file: built in beforeAll, removed in afterAll. */
export function useLab(options: { vni?: number; ipv6?: boolean } = {}): () => Lab {
  let lab: Lab | undefined;
  beforeAll(() => {
    lab = createLab(options);
  });
  afterAll(() => {
    lab?.teardown();
  });
  return () => {
    if (!lab) throw new Error('the lab is not up (beforeAll failed)');
    return lab;
  };
}

/** Whether a namespace exists (for teardown tests). */
export function namespaceExists(name: string): boolean {
  const result = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return result.stdout.split('\n').some((line) => line.split(' ')[0] === name);
}
