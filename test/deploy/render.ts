import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';

// The deployment kit (deploy/) rendered for a test: the same files, with the paths, ports and
// certificate of a temporary directory instead of a server's. Every replacement must find its
// text, so that a change to the kit that the tests would silently stop covering fails here.

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => fs.existsSync(p));
export const SYSTEMD_ANALYZE = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) =>
  fs.existsSync(p),
);

/** Replaces each `from` (every occurrence) with its `to`; throws if one is not in `text`. */
export function replaceAll(text: string, pairs: Array<[string, string]>, file: string): string {
  let out = text;
  for (const [from, to] of pairs) {
    if (!out.includes(from)) {
      throw new Error(`${file} no longer contains ${JSON.stringify(from)}: update test/deploy/render.ts`);
    }
    out = out.split(from).join(to);
  }
  return out;
}

/** A self-signed certificate for localhost and 127.0.0.1, made with openssl. */
export function selfSignedCertificate(dir: string): { cert: string; key: string } {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'pipe' },
  );
  return { cert, key };
}

export interface NginxPorts {
  http: number;
  https: number;
  /** The two portal instances of the upstream. */
  portals: [number, number];
}

/**
 * deploy/nginx/lk-portal.conf in `prefix`, inside an nginx.conf of its own (pid, logs and temp
 * files under `prefix`, so that no root-owned path is needed): listening on 127.0.0.1 only, with
 * the certificate given, serving the repository's built assets. Returns the nginx.conf path.
 */
export function renderNginx(
  prefix: string,
  ports: NginxPorts,
  tls: { cert: string; key: string },
  site = fs.readFileSync(path.join(ROOT, 'deploy/nginx/lk-portal.conf'), 'utf8'),
): string {
  const rendered = replaceAll(
    site,
    [
      ['    listen [::]:80;\n', ''],
      ['    listen [::]:443 ssl http2;\n', ''],
      ['listen 80;', `listen 127.0.0.1:${ports.http};`],
      ['listen 443 ssl http2;', `listen 127.0.0.1:${ports.https} ssl http2;`],
      ['/etc/ssl/lk-portal/fullchain.pem', tls.cert],
      ['/etc/ssl/lk-portal/privkey.pem', tls.key],
      ['/opt/lk-portal/', `${ROOT}/`],
      ['127.0.0.1:3001', `127.0.0.1:${ports.portals[0]}`],
      ['127.0.0.1:3002', `127.0.0.1:${ports.portals[1]}`],
    ],
    'deploy/nginx/lk-portal.conf',
  );
  fs.mkdirSync(path.join(prefix, 'tmp'), { recursive: true });
  fs.writeFileSync(path.join(prefix, 'lk-portal.conf'), rendered);
  const conf = path.join(prefix, 'nginx.conf');
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((t) => `  ${t}_temp_path ${prefix}/tmp/${t};`)
    .join('\n');
  fs.writeFileSync(
    conf,
    [
      // Started by root (as in CI's container), nginx would run its workers as `nobody`, which
      // cannot read a temporary directory; a real server's nginx reads the kit's usual paths.
      process.getuid?.() === 0 ? 'user root;' : '',
      'worker_processes 1;',
      `pid ${prefix}/nginx.pid;`,
      `error_log ${prefix}/error.log warn;`,
      'events { worker_connections 512; }',
      'http {',
      '  include /etc/nginx/mime.types;',
      '  default_type application/octet-stream;',
      `  access_log ${prefix}/access.log;`,
      // Which portal answered each request (a list when nginx passed it on), for the tests; the
      // request id is the X-Request-Id the portal answers with.
      "  log_format upstream '$msec|$remote_addr|$upstream_addr|$status|$request_method $uri|$request_id';",
      `  access_log ${prefix}/upstream.log upstream;`,
      temp,
      `  include ${prefix}/lk-portal.conf;`,
      '}',
      '',
    ].join('\n'),
  );
  return conf;
}

/** `nginx -t` on a rendered configuration: its exit code and what it said. */
export function nginxTest(prefix: string, conf: string): { code: number | null; output: string } {
  const res = spawnSync(NGINX!, ['-t', '-p', prefix, '-c', conf, '-e', path.join(prefix, 'error.log')], {
    encoding: 'utf8',
  });
  return { code: res.status, output: `${res.stdout}${res.stderr}` };
}

/**
 * The units of deploy/systemd/ in `dir`, as an administrator installs them, but starting the
 * node that runs the tests (systemd-analyze checks that the program exists); the templates also
 * as one instance each (lk-portal@3001.service), since only an instance resolves `%i`.
 */
export function renderUnits(dir: string): string[] {
  const srcDir = path.join(ROOT, 'deploy/systemd');
  const files: string[] = [];
  for (const name of fs.readdirSync(srcDir).sort()) {
    const text = fs.readFileSync(path.join(srcDir, name), 'utf8');
    const rendered =
      process.execPath === '/usr/bin/node' || !text.includes('ExecStart=')
        ? text
        : replaceAll(text, [['/usr/bin/node ', `${process.execPath} `]], `deploy/systemd/${name}`);
    const instance = name.endsWith('@.service')
      ? name.replace('@.service', name.startsWith('lk-portal') ? '@3001.service' : '@1.service')
      : name;
    fs.writeFileSync(path.join(dir, instance), rendered);
    files.push(path.join(dir, instance));
  }
  return files;
}

/** `systemd-analyze verify` on unit files: its exit code and what it said (warnings included). */
export function verifyUnits(files: string[]): { code: number | null; output: string } {
  const res = spawnSync(SYSTEMD_ANALYZE!, ['verify', ...files], { encoding: 'utf8' });
  return { code: res.status, output: `${res.stdout}${res.stderr}` };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP(S) request that trusts `ca` (the test's certificate), from `localAddress` if given. */
export function request(
  url: string,
  opts: { ca?: string; localAddress?: string; headers?: Record<string, string>; method?: string } = {},
): Promise<Answer> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      u,
      {
        method: opts.method ?? 'GET',
        headers: opts.headers ?? {},
        ...(opts.ca ? { ca: opts.ca, servername: 'localhost' } : {}),
        ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Starts nginx in the foreground on a rendered configuration; `stop` asks it to quit (its pid file). */
export async function startNginx(
  prefix: string,
  conf: string,
  readyUrl: string,
): Promise<{ stop(): Promise<void> }> {
  const args = ['-p', prefix, '-c', conf, '-e', path.join(prefix, 'error.log')];
  const child = spawn(NGINX!, [...args, '-g', 'daemon off;'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const until = Date.now() + 15_000;
  for (;;) {
    try {
      await request(readyUrl);
      break;
    } catch (err) {
      if (child.exitCode !== null || Date.now() > until) {
        const log = fs.readFileSync(path.join(prefix, 'error.log'), 'utf8');
        throw new Error(`nginx did not start: ${String(err)}\n${log}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    async stop() {
      if (child.exitCode === null) {
        spawnSync(NGINX!, [...args, '-s', 'quit'], { stdio: 'ignore' });
        await exited;
      }
    },
  };
}
