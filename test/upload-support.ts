import { cookieHeader, type Agent, type TestApp } from './helpers.ts';
import { loadProfiles } from '../src/features/imports/registry.profiles.ts';
import { uploadKinds } from '../src/features/imports/upload.kinds.ts';
import type { UploadRunnerDeps } from '../src/features/imports/upload.worker.ts';

// Uploads in the back office as the tests send them (upload*.db.test.ts): the multipart form,
// the page an upload redirected to, what is stored, and a job runner's dependencies.

export function multipart(
  fields: Array<[string, string]>,
  file?: { name: string | null; content: Buffer },
): { payload: Buffer; contentType: string } {
  const boundary = `----lk${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [name, value] of fields) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  }
  if (file) {
    // No file chosen: Chromium sends `filename=""`, undici's FormData no filename at all (null here).
    const filename = file.name === null ? '' : `; filename="${file.name}"`;
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"${filename}\r\n` +
          'Content-Type: application/octet-stream\r\n\r\n',
      ),
      file.content,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

export async function upload(
  agent: Agent,
  kind: string,
  file: { name: string | null; content: Buffer },
  opts: { csrf?: string | null; fields?: Array<[string, string]> } = {},
) {
  await agent.get('/office/imports');
  const csrf = opts.csrf === undefined ? agent.csrf : opts.csrf;
  const body = multipart(
    [...(csrf === null ? [] : [['_csrf', csrf] as [string, string]]), ['kind', kind], ...(opts.fields ?? [])],
    file,
  );
  return agent.app.inject({
    method: 'POST',
    url: '/office/imports',
    payload: body.payload,
    headers: { 'content-type': body.contentType, cookie: cookieHeader(agent.jar) },
    remoteAddress: agent.ip,
  });
}

/** The upload's page that a response redirected to, without its query (`?auto=1`). */
export function pathOf(res: { headers: Record<string, unknown> }): string {
  return String(res.headers.location).replace(/\?.*$/, '');
}

export async function uploadsCount(t: TestApp): Promise<{ uploads: number; chunks: number }> {
  const k = t.db.kysely;
  const u = await k
    .selectFrom('import_uploads')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const c = await k
    .selectFrom('import_upload_chunks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return { uploads: Number(u.n), chunks: Number(c.n) };
}

/** A job runner's dependencies over the test app, named `owner` in the leases. */
export function uploadRunner(t: TestApp, owner: string): UploadRunnerDeps {
  return {
    db: t.db.kysely,
    clock: t.clock,
    timeZone: t.config.timeZone,
    readingsLastDay: t.config.readingsLastDay,
    kinds: uploadKinds(loadProfiles()),
    leaseMs: 60_000,
    owner,
  };
}
