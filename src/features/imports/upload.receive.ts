import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { Clock } from '../../platform/clock.ts';
import { fileKind, SAMPLE_BYTES, type FileKind } from './encoding.ts';
import type { UploadKind } from './upload.kinds.ts';
import * as repo from './upload.repository.ts';

/** The file is stored in chunks of this size. */
const CHUNK_BYTES = 1024 * 1024;

export const BINARY = 'Файл не текстовый (в нём двоичные данные): нужен текст (CSV) или книга Excel (.xlsx).';

export type Received = { ok: true; id: number } | { ok: false; message: string };

/** Reads a stream to its end, keeping nothing (a refused upload's rest). */
export async function drain(stream: NodeJS.ReadableStream): Promise<void> {
  await pipeline(stream, new Writable({ write: (_c, _e, cb) => cb() }));
}

/** Counts a file's lines and remembers its first bytes while it streams past. */
class Tally {
  bytes = 0;
  lines = 0;
  lastByte = 0x0a;
  head = Buffer.alloc(0);
  kind: FileKind | null = null;

  add(chunk: Buffer): void {
    if (this.kind === null) {
      this.head = Buffer.concat([this.head, chunk.subarray(0, SAMPLE_BYTES - this.head.length)]);
      if (this.head.length >= SAMPLE_BYTES) {
        this.kind = fileKind(this.head);
      }
    }
    this.bytes += chunk.length;
    for (const b of chunk) {
      if (b === 0x0a) {
        this.lines++;
      }
    }
    this.lastByte = chunk[chunk.length - 1] ?? this.lastByte;
  }

  /** The lines of a text file (the last one may lack its line end); 0 for a workbook. */
  totalLines(): number {
    return this.kind === 'xlsx' ? 0 : this.lines + (this.lastByte === 0x0a ? 0 : 1);
  }
}

/**
 * An uploaded file into the database as it arrives (chunks of 1 MB; never whole in memory), then
 * queued for its dry run. Refused, with nothing kept, when it is binary (seen in its first
 * bytes: the rest is not stored), empty, or cut at the size limit (`truncated`).
 */
export async function receiveUpload(
  deps: { db: Kysely<Database>; clock: Clock; maxMb: number },
  stream: NodeJS.ReadableStream & { truncated?: boolean },
  u: { kind: UploadKind; fileName: string; staffUserId: number; options?: repo.UploadOptions },
): Promise<Received> {
  const { db } = deps;
  const id = await repo.createUpload(db, {
    kind: u.kind.key,
    fileName: u.fileName.slice(0, 200),
    staffUserId: u.staffUserId,
    now: deps.clock.now().getTime(),
    ...(u.options ? { options: u.options } : {}),
  });
  const tally = new Tally();
  let seq = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pendingBytes > 0) {
      await repo.insertChunk(db, id, 'file', seq++, Buffer.concat(pending));
    }
    pending = [];
    pendingBytes = 0;
  };
  try {
    for await (const c of stream) {
      const chunk = c as Buffer;
      tally.add(chunk);
      if (tally.kind === 'binary') {
        await drain(stream);
        break;
      }
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= CHUNK_BYTES) {
        await flush();
      }
    }
    await flush();
    tally.kind ??= fileKind(tally.head);
    const refusal = stream.truncated
      ? `Файл больше ${deps.maxMb} МБ: такой не принимается. Разделите его на части и загрузите по очереди.`
      : tally.kind === 'empty'
        ? 'Файл пуст: в нём нет ни одной строки.'
        : tally.kind === 'binary'
          ? BINARY
          : null;
    if (refusal) {
      await repo.deleteUpload(db, id);
      return { ok: false, message: refusal };
    }
    await repo.finishReceiving(db, id, {
      bytes: tally.bytes,
      lines: tally.totalLines(),
      now: deps.clock.now().getTime(),
    });
    return { ok: true, id };
  } catch (err) {
    await repo.deleteUpload(db, id);
    throw err;
  }
}
