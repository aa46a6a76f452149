import type { ComponentChildren } from 'preact';
import { OFFICE_CRUMB, OfficePage, type OfficeUser } from '../../features/office/office.view.tsx';
import { CHANNEL_TITLES, STATUS_TITLES } from '../../features/readings/reading-titles.ts';
import { periodTitle, formatDateRu } from '../../domain/dates.ts';
import { formatInteger, formatKwhRu, formatRublesRu } from '../../domain/format.ts';
import type { AccountCardModel } from './card.service.ts';
import type { Pager } from './payments-pager.ts';

export const ORDER_STATUS: Record<string, string> = {
  new: 'создан',
  registered: 'зарегистрирован банком',
  paid: 'оплачен',
  declined: 'отклонён',
  expired: 'истёк',
  failed: 'ошибка',
  mismatch: 'расхождение с банком',
  reversed: 'отменён',
};
const OUTBOX_STATUS: Record<string, string> = {
  queued: 'в очереди',
  sending: 'отправляется',
  sent: 'отправлено',
  failed: 'ошибка',
  cancelled: 'отменено',
  bounced: 'отказ получателя',
};
const OUTBOX_KIND: Record<string, string> = { bill: 'квитанция', reminder: 'напоминание' };
const METHOD_TITLES: Record<string, string> = {
  readings: 'по показаниям',
  average: 'по среднему (п. 59)',
  norm: 'по нормативу (п. 60)',
};

export interface AccountCardProps {
  supplierName: string;
  csrfToken: string;
  user: OfficeUser;
  timeZone: string;
  card: AccountCardModel;
  /** The links to the charges' and the audit trail's pages around the ones shown. */
  chargesPager: Pager;
  auditPager: Pager;
}

export function AccountCardPage(p: AccountCardProps) {
  const { card } = p;
  const c = card.customer;
  const at = instantFormat(p.timeZone);
  return (
    <OfficePage
      title={`Лицевой счёт ${c.account.number}`}
      supplierName={p.supplierName}
      csrfToken={p.csrfToken}
      user={p.user}
      crumbs={[OFFICE_CRUMB, { title: 'Поиск', href: '/office/search' }, { title: c.account.number }]}
    >
      <h1>Лицевой счёт {c.account.number}</h1>
      <ActionsPanel accountId={card.accountId} roles={p.user.roles} />
      <CustomerPanel card={card} pager={p.chargesPager} />
      <ReadingsPanel card={card} at={at} />
      <RecalculationsPanel card={card} at={at} />
      <LoginsPanel card={card} at={at} />
      <ConsentsPanel card={card} at={at} />
      <MailPanel card={card} at={at} />
      <OrdersPanel card={card} at={at} />
      <AuditPanel card={card} at={at} pager={p.auditPager} />
    </OfficePage>
  );
}

/** The operators' actions on the account (account-actions.plugin.tsx; operators only, rights.ts). */
const OPERATOR_ACTIONS: Array<[string, string]> = [
  ['reading', 'Показание со слов абонента'],
  ['residents', 'Число проживающих'],
  ['meter', 'Замена счётчика'],
  ['email', 'E-mail для квитанций по заявлению'],
  ['resend-bill', 'Отправить квитанцию ещё раз'],
  ['unlock', 'Разблокировать вход'],
];

/** The accountants' (recalculate.plugin.tsx). */
const ACCOUNTANT_ACTIONS: Array<[string, string]> = [['recalculate', 'Перерасчёт закрытого месяца']];

function ActionsPanel({ accountId, roles }: { accountId: number; roles: OfficeUser['roles'] }) {
  const actions = [
    ...(roles.includes('operator') ? OPERATOR_ACTIONS : []),
    ...(roles.includes('accountant') ? ACCOUNTANT_ACTIONS : []),
  ];
  if (actions.length === 0) {
    return null;
  }
  return (
    <nav class="panel" id="card-actions" aria-labelledby="card-actions-title">
      <h2 id="card-actions-title">Действия</h2>
      <ul>
        {actions.map(([path, title]) => (
          <li>
            <a href={`/office/accounts/${accountId}/${path}`}>{title}</a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

interface SectionProps {
  card: AccountCardModel;
  /** An instant as the supplier's local date and time. */
  at: (ms: number) => string;
}

function CustomerPanel({ card, pager }: Pick<SectionProps, 'card'> & { pager: Pager }) {
  const c = card.customer;
  return (
    <Panel id="card-customer" title="Что видит клиент">
      <dl class="facts">
        <dt>ФИО</dt>
        <dd>{c.account.fullName}</dd>
        <dt>Адрес</dt>
        <dd>{c.account.objectAddress}</dd>
        <dt>Проживает</dt>
        <dd>{formatInteger(c.account.residents)}</dd>
        <dt>Счётчик</dt>
        <dd>
          {c.meter ? `№ ${c.meter.serial}, ${c.meter.digits} знаков, коэффициент ${c.meter.ratio}` : 'нет'}
        </dd>
        <dt>Сальдо на дату последнего показания</dt>
        <dd id="card-balance">
          {formatRublesRu(Math.abs(c.summary.balanceKop))}{' '}
          {c.summary.balanceKop > 0 ? '(долг)' : c.summary.balanceKop < 0 ? '(переплата)' : ''}
        </dd>
      </dl>
      <h3>Платежи</h3>
      <Table id="card-payments" head={['Дата', 'Сумма', 'Источник']} empty="Платежей нет.">
        {c.payments.map((r) => (
          <tr>
            <td>{formatDateRu(r.paidOn)}</td>
            <td>{formatRublesRu(r.amountKop)}</td>
            <td>{r.source ?? r.channel}</td>
          </tr>
        ))}
      </Table>
      <h3 id="card-charges-head">Начисления и квитанции{shown(pager, 'месяцев', 'месяцы')}</h3>
      <Table
        id="card-charges"
        head={['Месяц', 'Способ', 'Как рассчитано', 'Долг на конец', 'Квитанция']}
        empty="Начислений нет."
      >
        {card.charges.rows.map((r) => (
          <tr>
            <td>{r.title}</td>
            <td>{METHOD_TITLES[r.method] ?? r.method}</td>
            <td>
              {r.explanation.map((line) => (
                <div>{line}</div>
              ))}
            </td>
            <td>{formatRublesRu(r.debtKop)}</td>
            <td>
              <a href={`/office/accounts/${card.accountId}/bills/${r.period}.pdf`}>PDF</a>
            </td>
          </tr>
        ))}
      </Table>
      <PagerNav pager={pager} id="card-charges-pages" label="Страницы начислений" />
    </Panel>
  );
}

function ReadingsPanel({ card, at }: SectionProps) {
  return (
    <Panel id="card-readings" title="Показания (все, с источником и проверкой)">
      <Table
        id="card-readings-table"
        head={['Дата', 'Счётчик', 'Показание', 'Источник', 'Статус', 'Причина', 'Проверил', 'Получено']}
        empty="Показаний нет."
      >
        {card.readings.map((r) => (
          <tr>
            <td>{formatDateRu(r.readingDate)}</td>
            <td>{r.meterSerial}</td>
            <td>{r.values.map((v) => formatInteger(v)).join(' / ')}</td>
            <td>{CHANNEL_TITLES[r.channel] ?? r.channel}</td>
            <td>{STATUS_TITLES[r.status] ?? r.status}</td>
            <td>{r.reason ?? ''}</td>
            <td>
              {r.review
                ? `${r.review.operator}, ${at(r.review.at)}${r.review.note ? `: ${r.review.note}` : ''}`
                : ''}
            </td>
            <td>
              {at(r.submittedAt)}
              {r.submittedIp ? `, ${r.submittedIp}` : ''}
            </td>
          </tr>
        ))}
      </Table>
    </Panel>
  );
}

function RecalculationsPanel({ card, at }: SectionProps) {
  return (
    <Panel id="card-recalculations" title="Перерасчёты">
      <Table
        id="card-recalc-table"
        head={['За месяц', 'Учтён в', 'кВт·ч', 'Сумма', 'Причина', 'Когда']}
        empty="Перерасчётов не было."
      >
        {card.recalculations.map((r) => (
          <tr>
            <td>{periodTitle(r.period)}</td>
            <td>{r.appliedPeriod ? periodTitle(r.appliedPeriod) : 'ещё не учтён'}</td>
            <td>{formatKwhRu(r.kwh)}</td>
            <td>{formatRublesRu(r.amountKop)}</td>
            <td>{r.reason}</td>
            <td>{at(r.createdAt)}</td>
          </tr>
        ))}
      </Table>
    </Panel>
  );
}

function LoginsPanel({ card, at }: SectionProps) {
  return (
    <Panel id="card-logins" title="Входы в личный кабинет и блокировки">
      <Table id="card-logins-table" head={['Когда', 'Адрес', 'Итог']} empty="Входов не было.">
        {card.logins.map((r) => (
          <tr>
            <td>{at(r.at)}</td>
            <td>{r.ip}</td>
            <td>{r.success ? 'вход' : 'неверные данные'}</td>
          </tr>
        ))}
      </Table>
      <Table id="card-lockouts" head={['Блокировка', 'Адрес', 'Чем']} empty="Блокировок не было.">
        {card.lockouts.map((r) => (
          <tr>
            <td>{at(r.at)}</td>
            <td>{r.ip ?? ''}</td>
            <td>{r.details ?? ''}</td>
          </tr>
        ))}
      </Table>
    </Panel>
  );
}

function ConsentsPanel({ card, at }: SectionProps) {
  return (
    <Panel id="card-consents" title="Согласия на обработку персональных данных">
      <Table id="card-consents-table" head={['Когда', 'Версия политики', 'Адрес']} empty="Согласий нет.">
        {card.consents.map((r) => (
          <tr>
            <td>{at(r.givenAt)}</td>
            <td>{r.policyVersion}</td>
            <td>{r.ip}</td>
          </tr>
        ))}
      </Table>
    </Panel>
  );
}

function MailPanel({ card, at }: SectionProps) {
  return (
    <Panel id="card-mail" title="Квитанции по электронной почте">
      <p id="card-subscription">
        {card.subscription
          ? `${card.subscription.email}: ${card.subscription.subscribed ? 'подписан' : 'не подписан'}, ${
              card.subscription.confirmedAt === null
                ? 'адрес не подтверждён'
                : `адрес подтверждён ${at(card.subscription.confirmedAt)}`
            }${
              card.subscription.bouncedAt === null
                ? ''
                : `; письма не доставляются с ${at(card.subscription.bouncedAt)} (${card.subscription.bounceReason ?? 'отказ получателя'}), рассылка приостановлена до нового подтверждения адреса`
            }.`
          : 'Адрес для квитанций не указан.'}
      </p>
      <Table
        id="card-outbox"
        head={['Месяц', 'Письмо', 'Состояние', 'Попыток', 'Отправлено', 'Ошибка']}
        empty="Писем не было."
      >
        {card.outbox.map((r) => (
          <tr>
            <td>{periodTitle(r.period)}</td>
            <td>{OUTBOX_KIND[r.kind] ?? r.kind}</td>
            <td>{OUTBOX_STATUS[r.status] ?? r.status}</td>
            <td>{formatInteger(r.attempts)}</td>
            <td>{r.sentAt === null ? '' : at(r.sentAt)}</td>
            <td>{r.lastError ?? ''}</td>
          </tr>
        ))}
      </Table>
    </Panel>
  );
}

function OrdersPanel({ card, at }: SectionProps) {
  return (
    <Panel id="card-orders" title="Оплаты картой и СБП (состояние в банке)">
      <Table
        id="card-orders-table"
        head={['Создан', 'Заказ', 'Способ', 'Сумма', 'Состояние', 'Оплачен', 'Запросов в банк']}
        empty="Оплат через портал не было."
      >
        {card.orders.map((r) => (
          <tr>
            <td>{at(r.createdAt)}</td>
            <td>{r.orderNumber}</td>
            <td>{r.method === 'sbp' ? 'СБП' : 'карта'}</td>
            <td>{formatRublesRu(r.amountKop)}</td>
            <td>
              {ORDER_STATUS[r.status] ?? r.status}
              {r.statusReason ? ` (${r.statusReason})` : ''}
            </td>
            <td>{r.paidOn ? formatDateRu(r.paidOn) : ''}</td>
            <td>{formatInteger(r.attempts)}</td>
          </tr>
        ))}
      </Table>
    </Panel>
  );
}

function AuditPanel({ card, at, pager }: SectionProps & { pager: Pager }) {
  return (
    <Panel id="card-audit" title={`Журнал действий по счёту${shown(pager, 'событий', 'события')}`}>
      <Table
        id="card-audit-table"
        head={['Когда', 'Событие', 'Итог', 'Сотрудник', 'Адрес', 'Подробности']}
        empty="Событий нет."
      >
        {card.audit.rows.map((r) => (
          <tr>
            <td>{at(r.at)}</td>
            <td>{r.event}</td>
            <td>{r.outcome}</td>
            <td>{r.staffLogin ?? ''}</td>
            <td>{r.ip ?? ''}</td>
            <td>{r.details ?? ''}</td>
          </tr>
        ))}
      </Table>
      <PagerNav pager={pager} id="card-audit-pages" label="Страницы журнала" />
    </Panel>
  );
}

/** «: 25–48 из 60 месяцев»: which rows of a paged list this page holds, said when they are not all. */
function shown(pager: Pager, of: string, these: string): string {
  if (pager.to < pager.from) {
    return pager.total > 0 ? `: на этой странице ${these} кончились` : '';
  }
  return pager.from === 1 && pager.to === pager.total
    ? ''
    : `: ${formatInteger(pager.from)}–${formatInteger(pager.to)} из ${formatInteger(pager.total)} ${of}, от новых к старым`;
}

/** The links to a paged list's newer and older rows; plain links, so they work without a script. */
function PagerNav({ pager, id, label }: { pager: Pager; id: string; label: string }) {
  if (!pager.previous && !pager.next && !pager.start) {
    return null;
  }
  return (
    <nav id={id} aria-label={label}>
      {pager.previous && (
        <a href={pager.previous} rel="prev">
          ← Позже
        </a>
      )}
      {pager.previous && pager.next && ' · '}
      {pager.next && (
        <a href={pager.next} rel="next">
          Ранее →
        </a>
      )}
      {pager.start && <a href={pager.start}>К самым новым</a>}
    </nav>
  );
}

function Panel(p: { id: string; title: string; children?: ComponentChildren }) {
  return (
    <section class="panel" id={p.id} aria-labelledby={`${p.id}-title`}>
      <h2 id={`${p.id}-title`}>{p.title}</h2>
      {p.children}
    </section>
  );
}

function Table(p: { id: string; head: string[]; empty: string; children: ComponentChildren[] }) {
  if (p.children.length === 0) {
    return <p id={p.id}>{p.empty}</p>;
  }
  return (
    <table class="history" id={p.id}>
      <thead>
        <tr>
          {p.head.map((h) => (
            <th scope="col">{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>{p.children}</tbody>
    </table>
  );
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** An instant (ms) as «07.12.2026, 15:04» in the supplier's time zone. */
export function instantFormat(timeZone: string): (ms: number) => string {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('ru-RU', { timeZone, dateStyle: 'short', timeStyle: 'short' });
    formats.set(timeZone, f);
  }
  const fmt = f;
  return (ms) => fmt.format(new Date(ms));
}
