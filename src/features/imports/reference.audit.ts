import type { Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { recordAudit } from '../../platform/audit.repository.ts';

/**
 * The audit entry of a reference row (a branch, a tariff plan) that a load added or changed: the
 * run, who ran it and the row's code, then the whole row when added, or the fields that changed
 * with their values before and after.
 */
export async function auditReferenceRow<R extends object>(
  tx: Transaction<Database>,
  now: Date,
  a: {
    event: string;
    runId: number;
    by: string;
    code: string;
    row: R;
    change?: { fields: ReadonlyArray<keyof R>; before: object };
  },
): Promise<void> {
  await recordAudit(tx, now, {
    event: a.event,
    outcome: a.change ? 'changed' : 'added',
    details: {
      run: a.runId,
      by: a.by,
      code: a.code,
      ...(a.change
        ? {
            fields: a.change.fields,
            before: a.change.before,
            after: Object.fromEntries(a.change.fields.map((f) => [f, a.row[f]])),
          }
        : { after: a.row }),
    },
  });
}
