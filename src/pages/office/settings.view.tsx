import { OFFICE_CRUMB, OfficePage, type OfficeUser } from '../../features/office/office.view.tsx';
import { formatDateRu } from '../../domain/dates.ts';
import { formatInteger, formatTariffRu } from '../../domain/format.ts';
import { ZONE_TITLES } from '../../domain/tariff.ts';
import type { SettingInEffect, SettingsSection } from '../../platform/settings.ts';
import type { PriceInForce, ReferenceKind, ReferenceLoad, ReferenceSet } from './settings.service.ts';

// The admin's settings page: every setting in effect (read only: they are the environment's),
// and the reference data with the commands that load it.

export interface SettingsPageProps {
  supplierName: string;
  csrfToken: string;
  me: OfficeUser;
  settings: SettingsSection[];
  reference: { today: string; sets: ReferenceSet[]; prices: PriceInForce[] };
}

/** Where the settings live on a server installed as docs/operations.md says. */
export const ENVIRONMENT_FILE = '/etc/lk-portal/portal.env';

export function SettingsPage(p: SettingsPageProps) {
  return (
    <OfficePage
      title="Настройки"
      supplierName={p.supplierName}
      csrfToken={p.csrfToken}
      user={p.me}
      crumbs={[OFFICE_CRUMB, { title: 'Настройки' }]}
    >
      <h1>Настройки</h1>
      <section class="panel" aria-labelledby="settings-how">
        <h2 id="settings-how">Как изменить настройки</h2>
        <p>
          Настройки портала — переменные окружения. Они проверяются при запуске и одинаковы для всех его
          экземпляров, поэтому здесь только показаны. Чтобы изменить настройку, исправьте файл{' '}
          <code>{ENVIRONMENT_FILE}</code> на сервере (его читают службы systemd как EnvironmentFile; см. шаг 5
          установки в docs/operations.md) и перезапустите службы по одной:{' '}
          <code>systemctl restart lk-portal@3001</code>, затем <code>lk-portal@3002</code>, затем{' '}
          <code>systemctl restart 'lk-mail-worker@*'</code>. Неверное значение не даст службе запуститься: её
          журнал назовёт переменную.
        </p>
        <p>
          Пароли, токены, ключи и учётные данные банка показаны только как «задан» или «не задан»; в адресах (
          <code>…_URL</code>) не показаны имя пользователя, пароль и параметры.
        </p>
      </section>
      <section class="panel" aria-labelledby="settings-params">
        <h2 id="settings-params">Параметры</h2>
        {p.settings.map((g, i) => (
          <SettingsTable section={g} id={`settings-group-${i + 1}`} />
        ))}
      </section>
      <ReferenceSection {...p.reference} />
    </OfficePage>
  );
}

function SettingsTable({ section, id }: { section: SettingsSection; id: string }) {
  return (
    <>
      <h3 id={id}>{section.title}</h3>
      <table class="history settings" aria-labelledby={id}>
        <thead>
          <tr>
            <th scope="col">Переменная</th>
            <th scope="col">Описание</th>
            <th scope="col">Значение</th>
            <th scope="col">Источник</th>
          </tr>
        </thead>
        <tbody>
          {section.settings.map((s) => (
            <tr id={`setting-${s.name}`}>
              <td data-label="Переменная">
                <code>{s.name}</code>
              </td>
              <td data-label="Описание">{s.description ?? '—'}</td>
              <td data-label="Значение">{valueOf(s)}</td>
              <td data-label="Источник">{sourceOf(s)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function valueOf(s: SettingInEffect) {
  if (s.secret) {
    return s.given ? 'задан' : 'не задан';
  }
  if (s.shown === null) {
    return s.given ? 'задан (не показан)' : '—';
  }
  return <code>{s.shown === '' ? '""' : s.shown}</code>;
}

function sourceOf(s: SettingInEffect): string {
  if (s.given) {
    return 'задан в окружении';
  }
  return s.shown === null || s.secret ? 'не задан' : 'по умолчанию';
}

const REFERENCE: Record<ReferenceKind, { title: string; command: string }> = {
  settlements: {
    title: 'Населённые пункты (коды лицевых счетов)',
    command: 'npm run cli -- settlements-load ФАЙЛ --full --apply',
  },
  branches: {
    title: 'Отделения (реквизиты получателя)',
    command: 'npm run cli -- branches-load ФАЙЛ --apply',
  },
  plans: {
    title: 'Тарифные планы (зоны, нормы)',
    command: 'npm run cli -- tariff-plans-load ФАЙЛ --apply',
  },
  prices: {
    title: 'Цены, действующие сегодня (тариф × зона)',
    command: 'npm run cli -- import-tariffs ФАЙЛ --apply',
  },
};

function ReferenceSection(p: SettingsPageProps['reference']) {
  return (
    <section class="panel" aria-labelledby="settings-reference">
      <h2 id="settings-reference">Справочники</h2>
      <p>
        Справочники загружаются из файлов командами ниже (без <code>--apply</code> — пробный прогон с
        отчётом), тарифы — также на странице <a href="/office/imports">«Загрузка файлов»</a>. На сервере
        команда выполняется от имени службы: <code>lk-cli</code> вместо <code>npm run cli --</code>{' '}
        (docs/operations.md).
      </p>
      <table class="history" id="reference-sets" aria-labelledby="settings-reference">
        <thead>
          <tr>
            <th scope="col">Справочник</th>
            <th scope="col">Записей</th>
            <th scope="col">Последняя загрузка</th>
            <th scope="col">Команда</th>
          </tr>
        </thead>
        <tbody>
          {p.sets.map((s) => (
            <tr id={`reference-${s.kind}`}>
              <td data-label="Справочник">{REFERENCE[s.kind].title}</td>
              <td data-label="Записей">{formatInteger(s.count)}</td>
              <td data-label="Последняя загрузка">{lastLoadText(s)}</td>
              <td data-label="Команда">
                <code>{REFERENCE[s.kind].command}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3 id="settings-prices">Цены на {formatDateRu(p.today)}, руб. за кВт·ч</h3>
      {p.prices.length > 0 ? (
        <PricesTable prices={p.prices} />
      ) : (
        <p class="muted" id="prices-empty">
          Тарифных планов нет.
        </p>
      )}
    </section>
  );
}

function lastLoadText(s: ReferenceSet): string {
  if (s.event === null) {
    return 'не записывается в журнал аудита';
  }
  return s.last ? `${s.last.time}, ${byText(s.last.by)}` : 'в журнале аудита нет';
}

function byText(by: ReferenceLoad['by']): string {
  if (by === null) {
    return 'кем — не записано';
  }
  return 'staffLogin' in by ? `сотрудник ${by.staffLogin}` : `командная строка (пользователь ${by.cli})`;
}

function PricesTable({ prices }: { prices: PriceInForce[] }) {
  return (
    <table class="history" id="prices-in-force" aria-labelledby="settings-prices">
      <thead>
        <tr>
          <th scope="col">Тарифный план</th>
          <th scope="col">Зона</th>
          <th scope="col">Цена</th>
          <th scope="col">Сверх социальной нормы</th>
        </tr>
      </thead>
      <tbody>
        {prices.map((x) => (
          <tr>
            <td data-label="Тарифный план">
              {x.planName} (<code>{x.planCode}</code>)
            </td>
            <td data-label="Зона">{ZONE_TITLES[x.zone]}</td>
            <td data-label="Цена">{x.baseE5 === null ? 'не задана' : formatTariffRu(x.baseE5)}</td>
            <td data-label="Сверх социальной нормы">
              {x.aboveNormE5 === null ? '—' : formatTariffRu(x.aboveNormE5)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
