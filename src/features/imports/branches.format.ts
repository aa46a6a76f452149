import type { Clock } from '../../platform/clock.ts';
import { auditReferenceRow } from './reference.audit.ts';
import {
  bicProblem,
  corrAccountProblem,
  innProblem,
  kppProblem,
  settlementAccountProblem,
} from '../../domain/bank-details.ts';
import { buildPaymentQrPayload, PaymentQrError } from '../../domain/payment-qr.ts';
import { parseEmail } from '../mail/email-address.ts';
import { headerReader, type ColumnSpec, type LineGet } from './columns.ts';
import type { ImportFormat, LineProblem, Numbered, Outcome, ReadResult } from './engine.ts';
import { requiredText } from './reference.lines.ts';
import {
  BRANCH_COLUMNS,
  branchesByCode,
  insertBranch,
  updateBranch,
  type BranchDetails,
} from './branches.repository.ts';

/**
 * The supplier's branches as an import format (`branches-load`): one branch a line under a header
 * naming the columns, with the payee's details that bills and their payment QR codes print. The
 * details are checked as the Bank of Russia defines them (domain/bank-details.ts: the INN's check
 * digit, the accounts' control keys against the BIC) and as the QR code needs them (its length
 * limits), since a wrong digit sends customers' money nowhere. A new code is added, a known one
 * updated with an audit entry (`branch_import`: the fields before and after); branches are never
 * deleted. Per batch with resume, each line standing alone.
 */

export const BRANCH_LABELS: Record<string, string> = {
  added: 'добавлено отделений',
  changed: 'изменено',
  unchanged: 'без изменений',
};

const COLUMNS = BRANCH_COLUMNS;
type Column = (typeof COLUMNS)[number];

const TITLES: Record<Column, string> = {
  code: 'Код',
  name: 'Название',
  payee_name: 'Получатель',
  inn: 'ИНН',
  kpp: 'КПП',
  bank_name: 'Банк',
  bic: 'БИК',
  corr_account: 'Корр. счёт',
  settlement_account: 'Расчётный счёт',
  address: 'Адрес',
  phones: 'Телефоны',
  fax: 'Факс',
  email: 'E-mail',
  website: 'Сайт',
};

const SPEC: ColumnSpec<Column> = {
  titles: TITLES,
  names: {
    ...Object.fromEntries(COLUMNS.map((c) => [c, c])),
    код: 'code',
    'код отделения': 'code',
    название: 'name',
    отделение: 'name',
    получатель: 'payee_name',
    'получатель платежа': 'payee_name',
    payee: 'payee_name',
    инн: 'inn',
    кпп: 'kpp',
    банк: 'bank_name',
    'банк получателя': 'bank_name',
    bank: 'bank_name',
    бик: 'bic',
    'корр. счет': 'corr_account',
    'корр.счет': 'corr_account',
    'корреспондентский счет': 'corr_account',
    'к/с': 'corr_account',
    'расчетный счет': 'settlement_account',
    'р/с': 'settlement_account',
    account: 'settlement_account',
    адрес: 'address',
    телефоны: 'phones',
    телефон: 'phones',
    факс: 'fax',
    'e-mail': 'email',
    'эл. почта': 'email',
    'электронная почта': 'email',
    сайт: 'website',
    'веб-сайт': 'website',
  },
  required: [
    'code',
    'name',
    'payee_name',
    'inn',
    'kpp',
    'bank_name',
    'bic',
    'corr_account',
    'settlement_account',
    'address',
    'phones',
  ],
  example:
    'Код; Название; Получатель; ИНН; КПП; Банк; БИК; Корр. счёт; Расчётный счёт; Адрес; Телефоны; Факс; E-mail; Сайт',
  empty: 'В файле нет ни одного отделения: только заголовок или пустые строки.',
};

const TEXT_MAX = 200;

function readLine(get: LineGet<Column>, line: number, seen: Map<string, number>): ReadResult<BranchDetails> {
  const problems: LineProblem[] = [];
  const bad = (c: Column, message: string | null) => {
    if (message !== null) {
      problems.push({ field: TITLES[c], message });
    }
  };
  const code = get('code');
  if (!/^[a-z0-9][a-z0-9_-]{0,39}$/.test(code)) {
    bad(
      'code',
      `«${code.slice(0, 40)}» — не код отделения: строчные латинские буквы, цифры, «-» и «_», до 40 знаков (например, abakan).`,
    );
  } else if (seen.has(code)) {
    bad('code', `Отделение «${code}» уже было в строке ${seen.get(code)}: по отделению одна строка.`);
  } else {
    seen.set(code, line);
  }
  const text = (c: Column, optional = false) => requiredText(TITLES[c], get(c), TEXT_MAX, problems, optional);
  const digits = (c: Column) => get(c).replace(/\s/g, '');
  const b: BranchDetails = {
    code,
    name: text('name'),
    payee_name: text('payee_name'),
    inn: digits('inn'),
    kpp: get('kpp'),
    bank_name: text('bank_name'),
    bic: digits('bic'),
    corr_account: digits('corr_account'),
    settlement_account: digits('settlement_account'),
    address: text('address'),
    phones: text('phones'),
    fax: text('fax', true),
    email: get('email'),
    website: text('website', true),
  };
  bad('inn', innProblem(b.inn));
  bad('kpp', kppProblem(b.kpp));
  bad('bic', bicProblem(b.bic));
  bad('corr_account', corrAccountProblem(b.corr_account, b.bic));
  bad('settlement_account', settlementAccountProblem(b.settlement_account, b.bic));
  if (b.email !== '') {
    const e = parseEmail(b.email);
    bad('email', e.ok ? null : `«${b.email.slice(0, 60)}»: ${e.message}`);
  }
  if (b.website !== '' && !/^(https?:\/\/)?[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)+(\/\S*)?$/u.test(b.website)) {
    bad('website', `«${b.website.slice(0, 60)}» — не адрес сайта (например, https://energosbyt.ru).`);
  }
  if (problems.length === 0) {
    bad('payee_name', qrProblem(b));
  }
  return problems.length > 0 ? { kind: 'rejected', problems } : { kind: 'record', record: b };
}

/** What the bill's payment QR code would refuse in these details (its length limits), or null. */
function qrProblem(b: BranchDetails): string | null {
  try {
    buildPaymentQrPayload({
      name: b.payee_name,
      personalAcc: b.settlement_account,
      bankName: b.bank_name,
      bic: b.bic,
      correspAcc: b.corr_account,
      payeeInn: b.inn,
      kpp: b.kpp,
    });
    return null;
  } catch (err) {
    if (err instanceof PaymentQrError) {
      return `Платёжный QR-код квитанции с такими реквизитами не построить: ${err.message}`;
    }
    throw err;
  }
}

type Decision =
  | { kind: 'add'; branch: BranchDetails }
  | { kind: 'change'; id: number; branch: BranchDetails; fields: Column[]; before: Record<string, string> }
  | { kind: 'same' };

async function decide(
  db: Parameters<typeof branchesByCode>[0],
  batch: Numbered<BranchDetails>[],
): Promise<Decision[]> {
  const existing = await branchesByCode(db);
  return batch.map(({ record: b }): Decision => {
    const found = existing.get(b.code);
    if (!found) {
      return { kind: 'add', branch: b };
    }
    const fields = COLUMNS.filter((c) => found.details[c] !== b[c]);
    return fields.length === 0
      ? { kind: 'same' }
      : {
          kind: 'change',
          id: found.id,
          branch: b,
          fields,
          before: Object.fromEntries(fields.map((c) => [c, found.details[c]])),
        };
  });
}

function outcomeOf(d: Decision): Outcome {
  switch (d.kind) {
    case 'add':
      return { count: 'added' };
    case 'same':
      return { count: 'unchanged' };
    case 'change':
      return {
        count: 'changed',
        note: {
          message: `Отделение «${d.branch.code}»: меняются ${d.fields.map((c) => `«${TITLES[c]}» (${d.before[c]} → ${d.branch[c]})`).join(', ')}.`,
        },
      };
  }
}

export function branchesFormat(opts: { clock: Clock; by: string }): ImportFormat<BranchDetails> {
  return {
    kind: 'branches',
    profile: 'branches',
    strict: false,
    recordsTitle: 'Строк с отделениями',
    labels: BRANCH_LABELS,
    reader: () => {
      const seen = new Map<string, number>();
      return headerReader(SPEC, (get, line) => readLine(get, line, seen));
    },
    async plan(db, batch) {
      return (await decide(db, batch)).map(outcomeOf);
    },
    async apply(tx, batch, runId) {
      const decisions = await decide(tx, batch);
      const now = opts.clock.now();
      for (const d of decisions) {
        if (d.kind === 'same') {
          continue;
        }
        if (d.kind === 'add') {
          await insertBranch(tx, d.branch);
        } else {
          await updateBranch(tx, d.id, d.branch);
        }
        // The supplier's own public details (printed on every bill), not a customer's data.
        await auditReferenceRow(tx, now, {
          event: 'branch_import',
          runId,
          by: opts.by,
          code: d.branch.code,
          row: d.branch,
          ...(d.kind === 'change' ? { change: { fields: d.fields, before: d.before } } : {}),
        });
      }
      return decisions.map(outcomeOf);
    },
  };
}
