import { demoClosing, loadConfig } from './config.ts';
import { openDb } from '../platform/db/connect.ts';
import { migrateToLatest } from '../platform/db/migrate.ts';
import { buildApp } from './app.ts';
import { ensureDemoData } from '../tools/demo/seed-demo.ts';
import { createLogger } from '../platform/http/log-serializers.ts';
import { listenText } from '../platform/http/canonical-host.ts';

/**
 * Reads config, prepares the database, listens, and closes gracefully on SIGINT/SIGTERM. The
 * features' background jobs run while the app listens (app/jobs.ts).
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const db = openDb({
    databaseUrl: config.databaseUrl,
    sqlitePath: config.sqlitePath,
    poolSize: config.dbPoolSize,
    timeouts: config.db.requests,
    onPoolError: (err) => logger.warn({ err: { message: err.message } }, 'database connection lost'),
  });
  await migrateToLatest(db);
  if (config.demoMode) {
    const seeded = await ensureDemoData(db, new Date(), config.timeZone, demoClosing(config));
    if (seeded) {
      logger.info('demo data created');
    }
  }
  const app = await buildApp({ config, db, logger });

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) {
      return;
    }
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), config.shutdownDrainMs + 10_000);
    force.unref();
    app
      .drain(config.shutdownDrainMs)
      .then(() => app.close())
      // Handlers whose clients went away may still be using the database.
      .then(() => app.requestsDone(8_000))
      .then(() => db.close())
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  await app.listen({
    port: config.port,
    host: config.host,
    listenTextResolver: listenText(config.publicUrl),
  });
  app.log.info(
    `portal on ${config.publicUrl} (${db.dialect}${db.dialect === 'sqlite' ? `: ${config.sqlitePath}` : ''})`,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
