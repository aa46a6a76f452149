import { parentPort, workerData } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import { TableInserter } from './sqlite-insert.ts';
import type { SideMessage, SideReply, SideSetup } from './sqlite-side.ts';
import { tableBuffers, TABLES } from './tables.ts';

/**
 * A second SQLite writer: loads one table into a side file with the same schema, in its own
 * thread, then builds the indexes that were left for the end. The main thread merges the file.
 */
const setup = workerData as SideSetup;
const port = parentPort!;
const db = new SQLite(setup.path);
db.pragma('journal_mode = MEMORY');
db.pragma('synchronous = OFF');
db.pragma('foreign_keys = OFF');
db.pragma('cache_size = -16384');
db.exec(setup.tableSql);
for (const sql of setup.indexesNow) {
  db.exec(sql);
}
const inserter = new TableInserter(
  db,
  TABLES.find((t) => t.name === setup.table)!,
);
let loadMs = 0;

port.on('message', (m: SideMessage) => {
  const started = performance.now();
  if (m.type === 'rows') {
    db.exec('begin');
    inserter.insert(m.rows);
    db.exec('commit');
    loadMs += performance.now() - started;
    const buffers = tableBuffers(m.rows);
    port.postMessage({ type: 'ack', buffers } satisfies SideReply, buffers);
    return;
  }
  db.pragma('cache_size = -2000'); // a big cache slows the sorter of CREATE INDEX down
  for (const sql of setup.indexesAfter) {
    db.exec(sql);
  }
  const indexMs = performance.now() - started;
  db.close();
  port.postMessage({ type: 'done', loadMs, indexMs } satisfies SideReply);
});
