import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { ROOT, sqliteEnv } from './dataset.ts';
import { productionEntry } from './build.ts';

export interface Server {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Node's flags that write a process's CPU profile into `dir` (`--profile`); none without a directory. */
export function cpuProfileArgs(dir: string | null): string[] {
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** Starts the real portal as production runs it (`npm run build`, `node dist/app/server.js`) on a free port and waits until it answers. */
export async function startServer(
  dataDir: string,
  opts: { env?: Record<string, string>; nodeArgs?: string[] } = {},
): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), productionEntry('server')], {
    cwd: ROOT,
    env: {
      ...sqliteEnv(),
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: url,
      LOG_LEVEL: 'warn',
      DEMO_MODE: 'false',
      // The load generator is one address making every customer's login; the limits of writes
      // without a session (per address and overall) would refuse it, as they should a real flood.
      ANON_WRITES_PER_ADDRESS: '1000000',
      ANON_WRITES_TOTAL: '10000000',
      ...opts.env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`the server exited with code ${child.exitCode}`);
    }
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) {
        break;
      }
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('the server did not start within 60 s');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, pid: child.pid!, stop: () => stopChild(child, exited) };
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null) {
    return;
  }
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
