import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import {
  accountsPerSettlement,
  listSettlements,
  removeUnusedSettlement,
  upsertSettlement,
  type Settlement,
} from '../account/settlements.repository.ts';
import type { FormatReader, ImportFormat, LineProblem, Numbered, Outcome } from './engine.ts';
import { listBranches } from './accounts.repository.ts';
import { isHeader, requiredText, shapeProblem } from './reference.lines.ts';

/**
 * The settlement codes (the first two digits of account numbers) as an import format: a CSV of
 * `code;name[;branch]`, a header line allowed. A code is two digits; the branch, when given, is
 * a `branches.code` and is what new accounts of the settlement get from the accounts import.
 * With `full`, the file is the whole list: a code missing from it is removed when no account has
 * it, and otherwise kept and reported (accounts are never left without their settlement).
 */

export interface SettlementLine {
  code: string;
  name: string;
  /** The branch's id; null when the line names none (the settlement keeps its own). */
  branchId: number | null;
}

export const SETTLEMENT_LABELS: Record<string, string> = {
  added: 'добавлено',
  changed: 'изменено (название или отделение)',
  unchanged: 'без изменений',
  removed: 'удалено (кода нет в файле, лицевых счетов с ним нет)',
  kept: 'оставлено: кода нет в файле, но есть лицевые счета с ним',
};

export function settlementsFormat(opts: { full: boolean }): ImportFormat<SettlementLine> {
  let branches = new Map<string, number>();
  const planOf = async (db: Kysely<Database> | Transaction<Database>, batch: Numbered<SettlementLine>[]) => {
    const existing = new Map((await listSettlements(db)).map((s) => [s.code, s]));
    return batch.map(({ record: r }) => {
      const before = existing.get(r.code);
      const after: Settlement = {
        code: r.code,
        name: r.name,
        branchId: r.branchId ?? before?.branchId ?? null,
      };
      const count = !before
        ? 'added'
        : before.name !== after.name || before.branchId !== after.branchId
          ? 'changed'
          : 'unchanged';
      return { count, after };
    });
  };
  return {
    kind: 'settlements',
    recordsTitle: 'Строк с населёнными пунктами',
    profile: opts.full ? 'full' : 'partial',
    strict: false,
    labels: SETTLEMENT_LABELS,
    async prepare(db) {
      branches = new Map((await listBranches(db)).map((b) => [b.code, b.id]));
    },
    reader: () => settlementsReader(branches, opts.full),
    async plan(db, batch) {
      return (await planOf(db, batch)).map((p): Outcome => ({ count: p.count }));
    },
    async apply(tx, batch) {
      const plans = await planOf(tx, batch);
      for (const p of plans) {
        if (p.count !== 'unchanged') {
          await upsertSettlement(tx, p.after);
        }
      }
      return plans.map((p): Outcome => ({ count: p.count }));
    },
  };
}

const NAME_MAX = 200;

function settlementsReader(branches: Map<string, number>, full: boolean): FormatReader<SettlementLine> {
  const seen = new Map<string, number>();
  let records = 0;
  return {
    read(line, fields) {
      if (isHeader(line, fields)) {
        return { kind: 'skip' };
      }
      records++;
      const shape = shapeProblem(fields, 2, 3);
      if (shape) {
        return { kind: 'rejected', problems: [{ message: shape }] };
      }
      const problems: LineProblem[] = [];
      const code = (fields[0] ?? '').trim();
      if (!/^[0-9]{2}$/.test(code)) {
        problems.push({
          field: 'Код',
          message: `«${code.slice(0, 20)}» — не код населённого пункта: код — две цифры, как первые две цифры лицевого счёта.`,
        });
      } else {
        const first = seen.get(code);
        if (first !== undefined) {
          problems.push({ field: 'Код', message: `Код «${code}» уже есть в строке ${first} этого файла.` });
        } else {
          seen.set(code, line);
        }
      }
      const name = requiredText('Название', fields[1] ?? '', NAME_MAX, problems);
      const branchCode = (fields[2] ?? '').trim();
      const branchId = branchCode === '' ? null : (branches.get(branchCode) ?? null);
      if (branchCode !== '' && branchId === null) {
        problems.push({
          field: 'Отделение',
          message:
            branches.size === 0
              ? `Отделения «${branchCode.slice(0, 40)}» нет, справочник отделений пуст: загрузите его командой branches-load.`
              : `Отделения «${branchCode.slice(0, 40)}» нет; есть: ${[...branches.keys()].join(', ')}.`,
        });
      }
      if (problems.length > 0) {
        return { kind: 'rejected', problems };
      }
      return { kind: 'record', record: { code, name, branchId } };
    },
    end() {
      return records === 0 ? ['В файле нет ни одного населённого пункта.'] : [];
    },
    missing: full
      ? async function* (db: Kysely<Database>, apply: boolean): AsyncGenerator<Outcome> {
          const gone = (await listSettlements(db)).filter((s) => !seen.has(s.code)).map((s) => s.code);
          const used = await accountsPerSettlement(db, gone);
          for (const code of gone) {
            const n = used.get(code) ?? 0;
            const removed = n === 0 && (!apply || (await removeUnusedSettlement(db, code)));
            yield removed
              ? {
                  count: 'removed',
                  note: {
                    field: 'Код',
                    message: `Кода «${code}» нет в файле, лицевых счетов с ним нет: ${apply ? 'удалён' : 'будет удалён'}.`,
                  },
                }
              : {
                  count: 'kept',
                  note: {
                    field: 'Код',
                    message: `Кода «${code}» нет в файле, но у лицевых счетов (${n}) он есть: код оставлен.`,
                  },
                };
          }
        }
      : undefined,
  };
}
