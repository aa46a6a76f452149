import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/schema.ts';
import { recordAudit } from '../audit.repository.ts';
import { countWrite, takeFinished } from '../anonymous-writes.repository.ts';

/**
 * Writes without a session — the bank's notifications, login attempts, the links from e-mails —
 * each left an audit row or more, so a flood of them (2,000 notifications in 2 s) wrote 2,000
 * rows. They are counted per address and for everyone together in fixed windows, in the database
 * (every instance sees the same counts), and refused beyond the limits with `Retry-After`. A
 * write refused by its address does not count against everyone's limit, so one address cannot use
 * up the others' share. What was refused is audited as one row per (scope, address or everyone,
 * window) with its count, written when a later window begins; no row per refused request.
 */
export const AnonymousWritesEnvSchema = {
  ANON_WRITES_PER_ADDRESS: Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    default: 120,
    description:
      'Запросов без сеанса (входы, уведомления банка, ссылки из писем) с одного адреса за окно; больше — 429',
  }),
  ANON_WRITES_TOTAL: Type.Integer({
    minimum: 1,
    maximum: 10_000_000,
    default: 3000,
    description: 'То же со всех адресов вместе',
  }),
  ANON_WRITES_WINDOW_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 3600,
    default: 60,
    description: 'Окно этих двух ограничений, секунд',
  }),
};

export interface AnonymousWriteLimits {
  perAddress: number;
  total: number;
  windowMs: number;
}

export type Admission = { ok: true } | { ok: false; retryAfterS: number; by: 'address' | 'total' };

/** How a route answers a refused write: the status and body its clients understand. */
export type Refuse = (reply: FastifyReply, retryAfterS: number) => FastifyReply;

const tooMany: Refuse = (reply, retryAfterS) =>
  reply
    .code(429)
    .type('text/plain; charset=utf-8')
    .send(`Слишком много запросов. Повторите попытку через ${retryAfterS} с.`);

export class AnonymousWrites {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    readonly limits: AnonymousWriteLimits,
  ) {}

  /** Counts one write of `scope` from `ip`: allowed, or refused until the window ends. */
  async admit(scope: string, ip: string): Promise<Admission> {
    const now = this.clock.now().getTime();
    const { windowMs, perAddress, total } = this.limits;
    const windowStart = Math.floor(now / windowMs) * windowMs;
    const retryAfterS = Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000));
    const mine = await countWrite(this.db, { scope, key: `ip:${ip}`, windowStart, maxHits: perAddress });
    if (mine === 1) {
      // The address's first write in this window: a good moment to close the finished ones.
      await this.flush(windowStart);
    }
    if (mine > perAddress) {
      return { ok: false, retryAfterS, by: 'address' };
    }
    const all = await countWrite(this.db, { scope, key: '*', windowStart, maxHits: total });
    return all > total ? { ok: false, retryAfterS, by: 'total' } : { ok: true };
  }

  /** An onRequest/preHandler hook that refuses a write beyond the limits (`refuse` answers it). */
  hook(scope: string, refuse: Refuse = tooMany) {
    return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
      const a = await this.admit(scope, req.ip);
      if (a.ok) {
        return undefined;
      }
      return refuse(reply.header('Retry-After', String(a.retryAfterS)), a.retryAfterS);
    };
  }

  /**
   * Deletes the counters of finished windows and audits those that refused writes: one row each.
   * The delete returns each row to one caller only, so two instances never audit a window twice.
   */
  async flush(currentWindowStart: number): Promise<void> {
    const at = this.clock.now();
    await this.db.transaction().execute(async (tx) => {
      for (const w of await takeFinished(tx, currentWindowStart)) {
        if (w.hits <= w.maxHits) {
          continue;
        }
        const address = w.key.startsWith('ip:') ? w.key.slice(3) : null;
        await recordAudit(tx, at, {
          event: 'anonymous_writes',
          outcome: 'refused',
          ip: address,
          details: {
            scope: w.scope,
            by: address === null ? 'total' : 'address',
            windowStart: new Date(w.windowStart).toISOString(),
            windowSeconds: Math.round(this.limits.windowMs / 1000),
            limit: w.maxHits,
            refused: w.hits - w.maxHits,
          },
        });
      }
    });
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The limiter of writes without a session (platform/http/anonymous-writes.ts). */
    anonymousWrites: AnonymousWrites;
  }
}
