import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/app/config.ts';
import {
  NGINX,
  nginxTest,
  renderNginx,
  renderUnits,
  request,
  ROOT,
  selfSignedCertificate,
  startNginx,
  SYSTEMD_ANALYZE,
  verifyUnits,
} from './render.ts';

// The deployment kit as CI checks it: `nginx -t` on the site, nginx itself serving the built
// assets and redirecting to HTTPS, and `systemd-analyze verify` on the units; each check is also
// shown refusing a broken copy. The end-to-end run through nginx is deploy-e2e.test.ts.

/** Without the tool a developer's machine skips with a note; CI (CI=true) must have it. */
function requireTool(t: { skip(message: string): void }, tool: string | undefined, name: string): boolean {
  if (tool) {
    return true;
  }
  assert.notEqual(process.env.CI, 'true', `${name} is required in CI (apt-get install ${name})`);
  t.skip(`${name} is not installed: apt-get install ${name}`);
  return false;
}

// Ports of this helper's range, apart from the end-to-end test's.
const PORTS = { http: 4380, https: 4343, portals: [4390, 4391] as [number, number] };

describe('the nginx site (deploy/nginx/lk-portal.conf)', () => {
  let dir: string;
  let tls: { cert: string; key: string };
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-nginx-'));
    fs.chmodSync(dir, 0o755);
    tls = selfSignedCertificate(dir);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('nginx -t accepts it, and refuses a broken copy', (t) => {
    if (!requireTool(t, NGINX, 'nginx')) {
      return;
    }
    const good = path.join(dir, 'good');
    const ok = nginxTest(good, renderNginx(good, PORTS, tls));
    assert.equal(ok.code, 0, ok.output);
    assert.match(ok.output, /syntax is ok/);
    assert.match(ok.output, /test is successful/);

    const site = fs.readFileSync(path.join(ROOT, 'deploy/nginx/lk-portal.conf'), 'utf8');
    const broken = path.join(dir, 'broken');
    const refused = nginxTest(
      broken,
      renderNginx(
        broken,
        PORTS,
        tls,
        site.replace(
          'proxy_next_upstream error timeout http_503;',
          'proxy_next_upstream error timeout sometimes;',
        ),
      ),
    );
    assert.equal(refused.code, 1, refused.output);
    assert.match(refused.output, /invalid value "sometimes".*lk-portal\.conf:\d+/);
  });

  test('the site sets what the portal relies on', () => {
    const site = fs.readFileSync(path.join(ROOT, 'deploy/nginx/lk-portal.conf'), 'utf8');
    for (const line of [
      'proxy_set_header X-Forwarded-For $remote_addr;',
      'proxy_set_header X-Forwarded-Proto $scheme;',
      'proxy_next_upstream error timeout http_503;',
      'client_max_body_size 1m;',
      'add_header Cache-Control "public, max-age=31536000, immutable" always;',
      'return 301 https://$host$request_uri;',
    ]) {
      assert.ok(site.includes(line), line);
    }
    // POSTs that reached a portal are never sent to the other one.
    assert.doesNotMatch(site, /^\s*proxy_next_upstream[^;]*non_idempotent/m);
    // Security headers are the portal's; nginx repeating them would let the two drift apart.
    assert.doesNotMatch(site, /add_header\s+(Content-Security-Policy|Strict-Transport-Security)/i);
  });

  test('nginx serves the built assets as immutable, redirects HTTP to HTTPS and proxies the rest', async (t) => {
    if (!requireTool(t, NGINX, 'nginx')) {
      return;
    }
    const prefix = path.join(dir, 'run');
    const conf = renderNginx(prefix, PORTS, tls);
    const ca = fs.readFileSync(tls.cert, 'utf8');
    const nginx = await startNginx(prefix, conf, `http://127.0.0.1:${PORTS.http}/`);
    try {
      const redirect = await request(`http://127.0.0.1:${PORTS.http}/cabinet?x=1`, {
        headers: { host: 'lk.example.ru' },
      });
      assert.equal(redirect.status, 301);
      assert.equal(redirect.headers.location, 'https://lk.example.ru/cabinet?x=1');

      const manifest = JSON.parse(
        fs.readFileSync(path.join(ROOT, 'dist/assets-manifest.json'), 'utf8'),
      ) as Record<string, string>;
      const css = manifest['css/site.css']!;
      const base = `https://127.0.0.1:${PORTS.https}`;
      const asset = await request(`${base}${css}`, { ca, headers: { 'accept-encoding': 'gzip' } });
      assert.equal(asset.status, 200);
      assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.match(String(asset.headers['content-type']), /^text\/css/);
      assert.equal(asset.headers['content-encoding'], 'gzip');
      assert.equal(asset.headers['x-content-type-options'], 'nosniff');
      const missing = await request(`${base}/assets/css/site-NOSUCHFILE.css`, { ca });
      assert.equal(missing.status, 404);

      const favicon = await request(`${base}/static/favicon.svg`, { ca });
      assert.equal(favicon.status, 200);
      assert.equal(favicon.headers['cache-control'], 'public, max-age=3600');

      // No portal listens on the upstream's ports: nginx tried both, and says so.
      const page = await request(`${base}/cabinet`, { ca });
      assert.equal(page.status, 502);
      const log = fs.readFileSync(path.join(prefix, 'error.log'), 'utf8');
      assert.match(
        log,
        new RegExp(`connect\\(\\) failed .*upstream: "http://127\\.0\\.0\\.1:${PORTS.portals[0]}/cabinet"`),
      );
      assert.match(
        log,
        new RegExp(`connect\\(\\) failed .*upstream: "http://127\\.0\\.0\\.1:${PORTS.portals[1]}/cabinet"`),
      );
    } finally {
      await nginx.stop();
    }
  });
});

describe('the systemd units (deploy/systemd/)', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-units-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('systemd-analyze verify accepts them without a word, and refuses broken copies', (t) => {
    if (!requireTool(t, SYSTEMD_ANALYZE, 'systemd')) {
      return;
    }
    const good = path.join(dir, 'good');
    fs.mkdirSync(good);
    const files = renderUnits(good);
    assert.deepEqual(
      files.map((f) => path.basename(f)),
      [
        'lk-mail-reminders.service',
        'lk-mail-reminders.timer',
        'lk-mail-worker@1.service',
        'lk-payments-reconcile.service',
        'lk-payments-reconcile.timer',
        'lk-portal@3001.service',
      ],
    );
    const ok = verifyUnits(files);
    assert.equal(ok.code, 0, ok.output);
    assert.equal(ok.output, '', 'no warnings');

    // A misspelt setting is only a warning to systemd, and silently drops the hardening.
    const portal = fs.readFileSync(path.join(good, 'lk-portal@3001.service'), 'utf8');
    const typo = path.join(dir, 'typo');
    fs.mkdirSync(typo);
    fs.writeFileSync(
      path.join(typo, 'lk-portal@3001.service'),
      portal.replace('NoNewPrivileges=yes', 'NoNewPrivilege=yes'),
    );
    const warned = verifyUnits([path.join(typo, 'lk-portal@3001.service')]);
    assert.match(warned.output, /Unknown key 'NoNewPrivilege' in section \[Service\]/);

    const missing = path.join(dir, 'missing');
    fs.mkdirSync(missing);
    fs.writeFileSync(
      path.join(missing, 'lk-portal@3001.service'),
      portal.replace(/^ExecStart=\S+/m, 'ExecStart=/nonexistent/node'),
    );
    const refused = verifyUnits([path.join(missing, 'lk-portal@3001.service')]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.output, /Command \/nonexistent\/node is not executable/);
  });

  const unit = (name: string) => fs.readFileSync(path.join(ROOT, 'deploy/systemd', name), 'utf8');
  const services = fs.readdirSync(path.join(ROOT, 'deploy/systemd')).filter((f) => f.endsWith('.service'));

  test('every service runs as the dedicated user with the settings file and the hardening', () => {
    for (const name of services) {
      const text = unit(name);
      for (const line of [
        'User=lk-portal',
        'EnvironmentFile=/etc/lk-portal/portal.env',
        'NoNewPrivileges=yes',
        'ProtectSystem=strict',
        'ReadWritePaths=/var/lib/lk-portal',
        'PrivateTmp=yes',
        'ProtectHome=yes',
        'SystemCallArchitectures=native',
      ]) {
        assert.match(
          text,
          new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`, 'm'),
          `${name}: ${line}`,
        );
      }
      // V8's JIT writes code: this setting would kill node at start.
      assert.doesNotMatch(text, /^MemoryDenyWriteExecute=yes/m, name);
    }
  });

  test("the portal's unit waits for the server's own graceful shutdown", () => {
    const server = fs.readFileSync(path.join(ROOT, 'src/app/server.ts'), 'utf8');
    const forced = /setTimeout\(\(\) => process\.exit\(1\), config\.shutdownDrainMs \+ ([\d_]+)\)/.exec(
      server,
    );
    assert.ok(
      forced,
      'src/app/server.ts no longer forces its exit after its drain and a delay: update this test',
    );
    const settings = fs.readFileSync(path.join(ROOT, 'deploy/portal.env.example'), 'utf8');
    const drain = /^SHUTDOWN_DRAIN_MS=(\d+)$/m.exec(settings);
    assert.ok(drain, 'deploy/portal.env.example sets SHUTDOWN_DRAIN_MS');
    const serverMs = Number(drain[1]) + Number(forced[1]!.replace(/_/g, ''));
    const text = unit('lk-portal@.service');
    assert.match(text, /^Environment=PORT=%i$/m);
    assert.match(text, /^KillSignal=SIGTERM$/m);
    assert.match(text, /^Restart=on-failure$/m);
    const stop = /^TimeoutStopSec=(\d+)s$/m.exec(text);
    assert.ok(stop);
    assert.ok(Number(stop[1]) * 1000 > serverMs, `TimeoutStopSec ${stop[1]} s ≤ the server's ${serverMs} ms`);
  });

  test('the services start commands the CLI has', () => {
    for (const name of services) {
      const exec = /^ExecStart=\S+ (\S+)(?: (\S+))?/m.exec(unit(name));
      assert.ok(exec, name);
      const script = exec[1]!.replace('/opt/lk-portal/dist/', 'src/').replace(/\.js$/, '.ts');
      assert.ok(fs.existsSync(path.join(ROOT, script)), `${name}: ${exec[1]} is built from ${script}`);
      if (script === 'src/app/cli.ts') {
        assert.ok(
          fs.existsSync(path.join(ROOT, 'src/app/cli', `${exec[2]}.ts`)),
          `${name}: command ${exec[2]}`,
        );
      }
    }
    for (const timer of ['lk-mail-reminders', 'lk-payments-reconcile']) {
      assert.ok(services.includes(`${timer}.service`), `${timer}.timer starts ${timer}.service`);
    }
  });
});

describe('the settings file (deploy/portal.env.example)', () => {
  test('names only documented variables, no PORT, and passes the check at boot', () => {
    const text = fs.readFileSync(path.join(ROOT, 'deploy/portal.env.example'), 'utf8');
    const env: Record<string, string> = {};
    for (const line of text.split('\n')) {
      if (line.trim() === '' || line.startsWith('#')) {
        continue;
      }
      const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
      assert.ok(m, `not a KEY=value line: ${line}`);
      env[m[1]!] = m[2]!;
    }
    assert.equal(env.PORT, undefined, 'PORT comes from the instance name');
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const key of Object.keys(env)) {
      assert.ok(readme.includes(`\`${key}\``), `${key} is not documented in README.md`);
    }
    const config = loadConfig(env);
    assert.equal(config.publicUrl, 'https://lk.example.ru');
    assert.equal(config.dataDir, '/var/lib/lk-portal');
  });
});
