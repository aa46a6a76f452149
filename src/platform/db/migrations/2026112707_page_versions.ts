import type { Migration } from 'kysely';

/**
 * Superseded. This migration once added a per-account stamp that a cache of the main page was
 * keyed by, with triggers to keep it current. The cache is gone, and 2026120601 takes out what
 * this migration added from databases that ran it; a new database gets nothing here. The file
 * stays because those databases record its name, and the migrator refuses a history with a
 * name missing.
 */
export default function removedPageCacheStamp(): Migration {
  return { up: () => Promise.resolve() };
}
