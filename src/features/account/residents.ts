import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/schema.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import * as repo from './account.repository.ts';

// An operator changes the number of residents of an account (the back office), e.g. after a
// certificate of registration. The monthly closing reads it when it charges a month, so the next
// closed month uses it: by the norm (п.42, п.60: norm × residents, at least one) and in the social
// norm's band (norm + extra kWh per resident after the first). Months already closed keep theirs;
// changing them is a recalculation. Audited with who, why, before and after.

/**
 * Zero is allowed: nobody registered (the rules then charge the norm as for one person, see
 * domain/billing.ts). 99 is far above any household and keeps a mistyped 300 out.
 */
export const RESIDENTS_MAX = 99;

export type ResidentsInput = { ok: true; residents: number } | { ok: false; message: string };

/** The form's field: a whole number from 0 to RESIDENTS_MAX, spaces around it allowed. */
export function parseResidents(input: string): ResidentsInput {
  const s = input.trim();
  if (s === '') {
    return { ok: false, message: 'Укажите число проживающих.' };
  }
  if (!/^[0-9]{1,3}$/.test(s) || Number(s) > RESIDENTS_MAX) {
    return { ok: false, message: `Число проживающих — целое число от 0 до ${RESIDENTS_MAX}.` };
  }
  return { ok: true, residents: Number(s) };
}

export type ResidentsResult = { kind: 'changed'; before: number } | { kind: 'refused'; message: string };

/** Stores the new number with its audit event, in one transaction; refused when it is the same. */
export async function changeResidents(
  deps: { db: Kysely<Database>; clock: Clock },
  account: { id: number; number: string },
  residents: number,
  by: { staffUserId: number; ip: string; reason: string },
): Promise<ResidentsResult> {
  return deps.db.transaction().execute(async (tx) => {
    const current = await repo.findAccountProfile(tx, account.id);
    if (!current) {
      return { kind: 'refused' as const, message: 'Лицевой счёт не найден.' };
    }
    if (current.residents === residents) {
      return { kind: 'refused' as const, message: `Это число уже указано: ${residents}.` };
    }
    if (!(await repo.setResidents(tx, account.id, current.residents, residents))) {
      return { kind: 'refused' as const, message: 'Число только что изменили: откройте форму ещё раз.' };
    }
    await recordAudit(tx, deps.clock.now(), {
      event: 'residents_change',
      outcome: 'success',
      accountNumber: account.number,
      ip: by.ip,
      staffUserId: by.staffUserId,
      details: { reason: by.reason, before: { residents: current.residents }, after: { residents } },
    });
    return { kind: 'changed' as const, before: current.residents };
  });
}
