import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type * as PromClient from 'prom-client';
import type { Counter, Histogram, Registry } from 'prom-client';
import { Type } from 'typebox';
import type { Db } from '../db/connect.ts';
import { lazyRequire } from '../lazy.ts';

/** One value of a gauge: its labels (none for a plain number) and the value. */
export interface GaugeSample {
  labels?: Record<string, string>;
  value: number;
}

/**
 * What a feature gets to publish its own gauges: each is read when Prometheus scrapes, with one
 * cheap query of the feature's repository. The app's wiring hands it to the features' plugins,
 * so that the platform knows no feature.
 */
export interface Metrics {
  gauge(spec: {
    name: string;
    help: string;
    labelNames?: readonly string[];
    collect: () => Promise<GaugeSample[]>;
  }): void;
}

/** The metrics when /metrics is off: features' gauges are never read, requests never timed. */
export const noMetrics: Metrics = { gauge: () => {} };

/** prom-client (with @opentelemetry/api, about 80 modules), loaded only where /metrics is served. */
const promClient = lazyRequire<typeof PromClient>('prom-client');

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The portal's metrics in a registry of its own (tests build many apps in one process): the
 * process's defaults (CPU, memory, event-loop delay, garbage collection), requests by route
 * pattern (never the raw URL: one series per route, however many accounts) and status with their
 * durations, the database's pool, and the gauges the features register.
 */
export class PortalMetrics implements Metrics {
  readonly registry: Registry;
  private readonly requests: Histogram<'method' | 'route' | 'status_code'>;
  private readonly collectFailures: Counter<'gauge'>;

  constructor(db: Db) {
    const { collectDefaultMetrics, Counter, Histogram, Registry } = promClient();
    this.registry = new Registry();
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
    this.requests = new Histogram({
      name: 'lk_http_request_duration_seconds',
      help: 'Requests answered, by method, route pattern and status, and how long they took',
      labelNames: ['method', 'route', 'status_code'],
      buckets: DURATION_BUCKETS,
      registers: [this.registry],
    });
    this.collectFailures = new Counter({
      name: 'lk_metrics_collect_failures_total',
      help: 'Gauges that could not be read at a scrape (the database did not answer)',
      labelNames: ['gauge'],
      registers: [this.registry],
    });
    this.databaseGauges(db);
  }

  gauge(spec: {
    name: string;
    help: string;
    labelNames?: readonly string[];
    collect: () => Promise<GaugeSample[]>;
  }): void {
    const failures = this.collectFailures;
    new (promClient().Gauge)({
      name: spec.name,
      help: spec.help,
      labelNames: [...(spec.labelNames ?? [])],
      registers: [this.registry],
      async collect() {
        this.reset();
        try {
          for (const s of await spec.collect()) {
            this.set(s.labels ?? {}, s.value);
          }
        } catch {
          // A scrape while the database is away still answers, without this gauge.
          failures.inc({ gauge: spec.name });
        }
      },
    });
  }

  /** Times a request by its route's pattern; unmatched addresses share one series. */
  observe(req: FastifyRequest, reply: FastifyReply): void {
    this.requests.observe(
      {
        method: req.method,
        route: req.routeOptions.url ?? '(not found)',
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  }

  private databaseGauges(db: Db): void {
    const pool = db.pool;
    if (pool) {
      const poolGauge = (name: string, help: string, read: () => number) =>
        this.gauge({ name, help, collect: () => Promise.resolve([{ value: read() }]) });
      poolGauge('lk_db_pool_connections', 'PostgreSQL connections open in the pool', () => pool.totalCount);
      poolGauge(
        'lk_db_pool_idle_connections',
        'PostgreSQL connections idle in the pool',
        () => pool.idleCount,
      );
      poolGauge(
        'lk_db_pool_waiting_requests',
        'Queries waiting for a PostgreSQL connection (the pool is exhausted)',
        () => pool.waitingCount,
      );
    }
    const sqlite = db.sqlite;
    if (sqlite) {
      // SQLite has one connection and no pool: its size is what an operator watches (the disk).
      this.gauge({
        name: 'lk_db_sqlite_size_bytes',
        help: 'Size of the SQLite database (pages × page size, the write-ahead log aside)',
        collect: () =>
          Promise.resolve([
            {
              value:
                Number(sqlite.pragma('page_count', { simple: true })) *
                Number(sqlite.pragma('page_size', { simple: true })),
            },
          ]),
      });
    }
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/**
 * GET /metrics in Prometheus's text format, for a client that sends `Authorization: Bearer
 * <METRICS_TOKEN>` (compared in constant time); 401 otherwise. Every request is timed.
 */
export function registerMetrics(app: FastifyInstance, metrics: PortalMetrics, token: string): void {
  app.addHook('onResponse', (req, reply, done) => {
    metrics.observe(req, reply);
    done();
  });
  const expected = digest(`Bearer ${token}`);
  app.get(
    '/metrics',
    {
      schema: {
        response: {
          200: Type.String(),
          401: Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) }),
        },
      },
    },
    async (req, reply) => {
      const given = req.headers.authorization;
      if (typeof given !== 'string' || !timingSafeEqual(digest(given), expected)) {
        return reply
          .code(401)
          .header('WWW-Authenticate', 'Bearer')
          .send({ error: { code: 'unauthorized', message: 'Нужен ключ доступа к метрикам' } });
      }
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    },
  );
}
