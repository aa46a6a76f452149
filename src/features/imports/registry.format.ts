import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { Clock } from '../../platform/clock.ts';
import { creditRegistryPayments } from '../payments/registry-credit.repository.ts';
import { settlementCodes } from '../account/settlements.repository.ts';
import { findActiveMeter } from '../readings/readings.repository.ts';
import { submitReading } from '../readings/readings.service.ts';
import { formatRubles } from '../../domain/format.ts';
import type { ImportFormat, Numbered, Outcome } from './engine.ts';
import { registryReader, type RegistryLine } from './registry.parse.ts';
import type { RegistryProfile } from './registry.profiles.ts';
import * as repo from './registry.repository.ts';

/**
 * Payment registries from banks and agents as an import format. Each payment is identified by
 * (the profile's source, the operation id): recorded in `registry_payments` once, credited into
 * `payments` once (the unique external id, as card payments are), whatever the number of files
 * or runs it comes in. A payment to a number that is no account, or to an account the portal
 * does not have, is kept unallocated. A reading carried by a credited payment is submitted
 * through the readings service (channel «Банк», the customer's rules; suspicious → review).
 */

export interface RegistryDeps {
  clock: Clock;
  timeZone: string;
  readingsLastDay: number;
}

export const REGISTRY_LABELS: Record<string, string> = {
  credited: 'зачислено на лицевые счета',
  unallocated: 'в нераспределённые (счёт не найден или закрыт)',
  unchanged: 'уже были загружены раньше (без изменений)',
  conflict: 'уже были загружены раньше с другими данными (не применены)',
  readingStored: 'показаний записано (принято или на проверку)',
  readingUnchanged: 'показаний уже было записано раньше',
  readingRefused: 'показаний не принято',
};

const UNKNOWN_ACCOUNT = 'Лицевого счёта с таким номером нет';

type Q = Kysely<Database> | Transaction<Database>;
type Batch = Numbered<RegistryLine>[];

/** The key that makes a registry reading one reading, however often its payment is imported. */
export function readingKey(source: string, operationId: string): string {
  const h = createHash('sha256').update(`registry:${source}:${operationId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

type Accounts = Map<string, repo.RegistryAccount>;

/** The accounts of the batch's valid numbers. */
function accountsOf(db: Q, batch: Batch): Promise<Accounts> {
  return repo.findAccounts(
    db,
    batch.filter((b) => b.record.accountProblem === null).map((b) => b.record.accountNumber),
  );
}

/** The account the payment is credited to; none for an unknown number, or an account closed by its date. */
function creditedTo(r: RegistryLine, accounts: Accounts): number | undefined {
  const a = r.accountProblem ? undefined : accounts.get(r.accountNumber);
  return a && (a.closedOn === null || r.paidOn < a.closedOn) ? a.id : undefined;
}

/** Why the payment cannot be credited to an account; null when it can. */
function unallocatedReason(r: RegistryLine, accounts: Accounts): string | null {
  if (r.accountProblem) {
    return r.accountProblem;
  }
  const a = accounts.get(r.accountNumber);
  if (!a) {
    return `${UNKNOWN_ACCOUNT}.`;
  }
  return creditedTo(r, accounts) === undefined ? `Лицевой счёт закрыт с ${ddmmyyyy(a.closedOn!)}.` : null;
}

const ddmmyyyy = (iso: string) => iso.split('-').reverse().join('.');

/**
 * What differs between a line and the payment its operation id recorded before: the account, the
 * amount, the date. Not the commission, name or address: an agent's second file may state those
 * otherwise for the same money.
 */
function differences(r: RegistryLine, earlier: repo.RecordedPayment): string[] {
  const out: string[] = [];
  const rub = (kop: number) => `${formatRubles(kop)} руб.`;
  const fields: Array<[string, string, string]> = [
    ['лицевой счёт', earlier.accountNumber, r.accountNumber],
    ['сумма', rub(earlier.amountKop), rub(r.amountKop)],
    ['дата', ddmmyyyy(earlier.paidOn), ddmmyyyy(r.paidOn)],
  ];
  for (const [title, before, now] of fields) {
    if (before !== now) {
      out.push(`${title}: было ${before}, в этой строке ${now}`);
    }
  }
  return out;
}

/**
 * What becomes of a payment recorded now, or of one whose operation id was recorded before
 * (`earlier`): the same payment again changes nothing; one with other data is not applied (the
 * money is credited once, as first sent) and is reported for the accountant to sort out.
 */
function outcome(r: RegistryLine, accounts: Accounts, earlier?: repo.RecordedPayment): Outcome {
  if (earlier) {
    const diff = differences(r, earlier);
    if (diff.length === 0) {
      return { count: 'unchanged' };
    }
    const what = earlier.status === 'credited' ? 'уже зачислена' : 'уже записана в нераспределённые';
    return {
      count: 'conflict',
      note: {
        field: 'Номер операции',
        message: `Операция № ${r.operationId} ${what} (запуск № ${earlier.importRunId}, строка ${earlier.lineNo}) с другими данными: ${diff.join('; ')}; строка не применена.`,
      },
    };
  }
  if (r.accountProblem) {
    return { count: 'unallocated' }; // noted when the line was read
  }
  const reason = unallocatedReason(r, accounts);
  if (reason) {
    return {
      count: 'unallocated',
      note: {
        field: 'Лицевой счёт',
        message: accounts.has(r.accountNumber)
          ? `${reason.slice(0, -1)}: ${r.accountNumber}, платёж от ${ddmmyyyy(r.paidOn)}. Платёж записан в нераспределённые.`
          : `${UNKNOWN_ACCOUNT}: ${r.accountNumber}. Платёж записан в нераспределённые.`,
      },
    };
  }
  return { count: 'credited' };
}

/** The payments the batch's operation ids recorded before (or now), by operation id. */
function recordedOf(db: Q, source: string, batch: Batch): Promise<Map<string, repo.RecordedPayment>> {
  return repo.recordedOperations(
    db,
    source,
    batch.map((b) => b.record.operationId),
  );
}

export function registryFormat(profile: RegistryProfile, deps: RegistryDeps): ImportFormat<RegistryLine> {
  // The settlement codes, read before each run: a number with another code is no account.
  let settlements: Set<string> = new Set();
  return {
    kind: 'registry',
    profile: profile.name,
    strict: true,
    labels: REGISTRY_LABELS,
    async prepare(db) {
      settlements = await settlementCodes(db);
    },
    reader: (source) => registryReader(profile, settlements, source),
    async plan(db, batch) {
      const accounts = await accountsOf(db, batch);
      const known = await recordedOf(db, profile.source, batch);
      return batch.map(({ record: r }) => outcome(r, accounts, known.get(r.operationId)));
    },
    apply: (tx, batch, runId) => applyBatch(tx, profile, deps, batch, runId),
    async afterCommit(db, batch) {
      // One outcome per line of the batch (null: no reading), so that notes keep their lines.
      const withReadings = batch.filter((b) => b.record.readings !== null);
      const accounts = await accountsOf(db, withReadings);
      const recorded = await recordedOf(db, profile.source, withReadings);
      const out: Array<Outcome | null> = [];
      for (const { record: r } of batch) {
        const earlier = recorded.get(r.operationId);
        const accountId = creditedTo(r, accounts);
        if (r.readings === null || (earlier && differences(r, earlier).length > 0)) {
          // A line not applied (its operation id carried other data before) brings no reading.
          out.push(null);
        } else if (accountId === undefined) {
          out.push({
            count: 'readingRefused',
            note: {
              field: 'Показание',
              message: 'Показание не принято: платёж не отнесён ни к одному счёту.',
            },
          });
        } else {
          out.push(await storeReading(db, deps, profile.source, accountId, r));
        }
      }
      return out;
    },
  };
}

async function applyBatch(
  tx: Transaction<Database>,
  profile: RegistryProfile,
  deps: RegistryDeps,
  batch: Batch,
  runId: number,
): Promise<Outcome[]> {
  const now = deps.clock.now().getTime();
  const accounts = await accountsOf(tx, batch);
  const recorded = await repo.insertRegistryPayments(
    tx,
    batch.map(({ line, record: r }) => {
      const reason = unallocatedReason(r, accounts);
      return {
        source: profile.source,
        operationId: r.operationId,
        importRunId: runId,
        lineNo: line,
        paidOn: r.paidOn,
        accountNumber: r.accountNumber,
        accountId: creditedTo(r, accounts) ?? null,
        amountKop: r.amountKop,
        commissionKop: r.commissionKop,
        payerName: r.payerName,
        payerAddress: r.payerAddress,
        period: r.period,
        readingValues: r.readings,
        reason,
      };
    }),
    now,
  );
  const toCredit = batch.filter(
    (b) => recorded.has(b.record.operationId) && creditedTo(b.record, accounts) !== undefined,
  );
  await creditRegistryPayments(
    tx,
    toCredit.map(({ record: r }) => ({
      accountId: creditedTo(r, accounts)!,
      paidOn: r.paidOn,
      amountKop: r.amountKop,
      commissionKop: r.commissionKop,
      channel: profile.channel,
      sourceTitle: profile.title,
      source: profile.source,
      operationId: r.operationId,
    })),
    now,
  );
  await repo.linkPayments(
    tx,
    profile.source,
    toCredit.map((b) => b.record.operationId),
  );
  const earlier = await recordedOf(
    tx,
    profile.source,
    batch.filter((b) => !recorded.has(b.record.operationId)),
  );
  return batch.map(({ record: r }) => outcome(r, accounts, earlier.get(r.operationId)));
}

/** The reading a payment carried, through the readings service: the same checks as the customer's. */
export async function storeReading(
  db: Kysely<Database>,
  deps: RegistryDeps,
  source: string,
  accountId: number,
  r: RegistryLine,
): Promise<Outcome> {
  const meter = await findActiveMeter(db, accountId);
  if (!meter) {
    return {
      count: 'readingRefused',
      note: { field: 'Показание', message: 'Показание не принято: у счёта нет действующего счётчика.' },
    };
  }
  const res = await submitReading(
    { db, clock: deps.clock, timeZone: deps.timeZone, lastDay: deps.readingsLastDay },
    {
      accountId,
      accountNumber: r.accountNumber,
      meterId: meter.id,
      key: readingKey(source, r.operationId),
      values: r.readings ?? [],
      // Nobody to ask: a suspicious reading goes to review, as a customer's confirmed one does.
      confirmed: true,
      ip: '',
      channel: 'bank',
      readingDate: r.paidOn,
    },
  );
  if (res.kind === 'stored') {
    return { count: res.duplicate ? 'readingUnchanged' : 'readingStored' };
  }
  const why = res.kind === 'invalid' ? (res.formError ?? res.fieldErrors.filter(Boolean).join(' ')) : '';
  return { count: 'readingRefused', note: { field: 'Показание', message: `Показание не принято: ${why}` } };
}
