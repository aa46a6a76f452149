import { FieldError } from '../../platform/views/layout.tsx';
import { formatInteger } from '../../domain/format.ts';
import { OFFICE_CRUMB, OfficePage, type OfficeUser } from '../office/office.view.tsx';
import type { ImportSummary } from './engine.ts';
import type { ReportRow } from './report.ts';
import { changesNothing } from './summary.ts';
import type { Upload } from './upload.repository.ts';
import type { UploadKind } from './upload.kinds.ts';

// The back office's uploads (/office/imports): the form, the latest uploads, and one upload's
// dry run, progress, rejected lines and the button that applies it.

const IMPORTS_CRUMB = { title: 'Загрузка файлов', href: '/office/imports' };
/** The page of a queued or running upload reloads itself this often. */
export const REFRESH_SECONDS = 3;

const formats = new Map<string, Intl.DateTimeFormat>();
function at(timeZone: string, ms: number): string {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('ru-RU', { timeZone, dateStyle: 'short', timeStyle: 'short' });
    formats.set(timeZone, f);
  }
  return f.format(new Date(ms));
}

interface Frame {
  supplierName: string;
  csrfToken: string;
  user: OfficeUser;
  timeZone: string;
}

export interface ImportsPageProps extends Frame {
  kinds: Array<Pick<UploadKind, 'key' | 'title' | 'needsRegion'>>;
  maxMb: number;
  selected?: string | undefined;
  /** The region and «full file» as sent, kept when the form comes back with a message. */
  region?: string | undefined;
  full?: boolean | undefined;
  errors?: { kind?: string | undefined; file?: string | undefined; region?: string | undefined };
  uploads: Array<{ upload: Upload; kindTitle: string }>;
}

export function ImportsPage(p: ImportsPageProps) {
  return (
    <OfficePage
      title="Загрузка файлов"
      supplierName={p.supplierName}
      csrfToken={p.csrfToken}
      user={p.user}
      crumbs={[OFFICE_CRUMB, { title: IMPORTS_CRUMB.title }]}
    >
      <h1>Загрузка файлов</h1>
      <section class="panel" aria-labelledby="upload-title">
        <h2 id="upload-title">Новый файл</h2>
        <UploadForm {...p} />
      </section>
      <section class="panel" aria-labelledby="uploads-title">
        <h2 id="uploads-title">Последние загрузки</h2>
        <UploadsTable {...p} />
      </section>
    </OfficePage>
  );
}

function UploadForm(p: ImportsPageProps) {
  const fileError = p.errors?.file;
  const kindError = p.errors?.kind;
  return p.kinds.length === 0 ? (
    <p class="muted">Для ваших ролей нет файлов, которые можно загрузить.</p>
  ) : (
    <form method="post" action="/office/imports" enctype="multipart/form-data" id="upload-form">
      {/* First: the server checks the token before it reads the file. */}
      <input type="hidden" name="_csrf" value={p.csrfToken} />
      <div class={`field${kindError ? ' has-error' : ''}`}>
        <label for="kind">Что загружается</label>
        <select
          id="kind"
          name="kind"
          aria-invalid={kindError ? 'true' : undefined}
          aria-describedby={kindError ? 'kind-error' : undefined}
        >
          {p.kinds.map((k) => (
            <option value={k.key} selected={k.key === p.selected}>
              {k.title}
            </option>
          ))}
        </select>
        <FieldError id="kind-error" message={kindError} />
      </div>
      {p.kinds.some((k) => k.needsRegion) && <AccountOptions {...p} />}
      <div class={`field${fileError ? ' has-error' : ''}`}>
        <label for="file">Файл</label>
        <input
          id="file"
          name="file"
          type="file"
          accept=".csv,.txt,.xlsx,text/csv,text/plain"
          aria-invalid={fileError ? 'true' : undefined}
          aria-describedby={fileError ? 'file-error' : 'file-hint'}
        />
        <p class="hint" id="file-hint">
          Текст (CSV, UTF-8, Windows-1251 или KOI8-R) или книга Excel (.xlsx), не больше {p.maxMb} МБ. Сначала
          файл проверяется без записи; применить его можно после проверки.
        </p>
        <FieldError id="file-error" message={fileError} />
      </div>
      <button type="submit" class="button">
        Загрузить и проверить
      </button>
    </form>
  );
}

/**
 * What the accounts import needs besides the file. Always shown to those who may upload accounts
 * (the form works without JavaScript), with a hint saying that other kinds ignore it.
 */
function AccountOptions(p: ImportsPageProps) {
  const error = p.errors?.region;
  const titles = p.kinds
    .filter((k) => k.needsRegion)
    .map((k) => `«${k.title}»`)
    .join(', ');
  return (
    <fieldset id="account-options">
      <legend>Только для файла {titles}</legend>
      <div class={`field${error ? ' has-error' : ''}`}>
        <label for="region">Регион</label>
        <input
          id="region"
          name="region"
          type="text"
          maxLength={100}
          value={p.region ?? ''}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? 'region-error region-hint' : 'region-hint'}
        />
        <p class="hint" id="region-hint">
          С него начинается адрес каждого объекта, например «Республика Хакасия». Обязателен для лицевых
          счетов; для других файлов не нужен.
        </p>
        <FieldError id="region-error" message={error} />
      </div>
      <div class="field checkbox">
        <input id="full" name="full" type="checkbox" value="1" checked={p.full === true} />
        <label for="full">
          В файле все лицевые счета: показать в отчёте те, которых в нём нет (они не удаляются)
        </label>
      </div>
    </fieldset>
  );
}

function UploadsTable(p: ImportsPageProps) {
  return p.uploads.length === 0 ? (
    <p class="muted">Загрузок ещё не было.</p>
  ) : (
    <table class="history" id="uploads" aria-labelledby="uploads-title">
      <thead>
        <tr>
          <th scope="col">Загружен</th>
          <th scope="col">Что</th>
          <th scope="col">Файл</th>
          <th scope="col">Состояние</th>
        </tr>
      </thead>
      <tbody>
        {p.uploads.map(({ upload: u, kindTitle }) => (
          <tr>
            <td data-label="Загружен">{at(p.timeZone, u.createdAt)}</td>
            <td data-label="Что">{kindTitle}</td>
            <td data-label="Файл">
              <a href={`/office/imports/${u.id}`}>{u.fileName}</a>
            </td>
            <td data-label="Состояние">{stateTitle(u)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** An upload's state in a few words. */
export function stateTitle(u: Pick<Upload, 'state' | 'mode' | 'summary'>): string {
  const summary = u.summary ? (JSON.parse(u.summary) as ImportSummary) : null;
  switch (u.state) {
    case 'receiving':
      return 'принимается';
    case 'queued':
      return u.mode === 'apply' ? 'ждёт применения' : 'ждёт проверки';
    case 'running':
      return u.mode === 'apply' ? 'применяется' : 'проверяется';
    case 'failed':
      return 'ошибка';
    case 'done':
      if (summary?.status === 'refused') {
        return 'файл отклонён';
      }
      return u.mode === 'apply' ? 'применён' : 'проверен, не применён';
  }
}

export interface UploadPageProps extends Frame {
  upload: Upload;
  kind: Pick<UploadKind, 'title' | 'labels' | 'records'>;
  summary: ImportSummary | null;
  canApply: boolean;
  notice?: string | undefined;
  /** The staff member asked the page to reload itself while the job runs (`?auto=1`). */
  auto?: boolean;
  /** The apply form's reason as sent, and its message, when it comes back refused. */
  reason?: string | undefined;
  reasonError?: string | undefined;
}

export function UploadPage(p: UploadPageProps) {
  const u = p.upload;
  const live = u.state === 'queued' || u.state === 'running';
  return (
    <OfficePage
      title={`Загрузка: ${u.fileName}`}
      supplierName={p.supplierName}
      csrfToken={p.csrfToken}
      user={p.user}
      crumbs={[OFFICE_CRUMB, IMPORTS_CRUMB, { title: u.fileName }]}
    >
      <h1>{u.fileName}</h1>
      {p.notice && (
        <p class="notice-panel" role="status" id="upload-notice">
          {p.notice}
        </p>
      )}
      <section class="panel" aria-labelledby="state-title">
        <h2 id="state-title">{p.kind.title}</h2>
        <p>
          Загружен {at(p.timeZone, u.createdAt)}; {formatInteger(u.fileBytes)} байт
          {u.fileLines > 0 ? `, строк: ${formatInteger(u.fileLines)}` : ''}.
        </p>
        <p id="upload-state">
          <strong>Состояние: {stateTitle(u)}.</strong>
        </p>
        {live && <Progress upload={u} />}
        {live && (
          <p id="upload-refresh">
            {p.auto ? (
              <>
                Страница обновляется каждые {REFRESH_SECONDS} с.{' '}
                <a href={`/office/imports/${u.id}`}>Остановить обновление</a>
              </>
            ) : (
              <>
                <a href={`/office/imports/${u.id}`}>Обновить</a> ·{' '}
                <a href={`/office/imports/${u.id}?auto=1`}>
                  Обновлять автоматически каждые {REFRESH_SECONDS} с
                </a>
              </>
            )}
          </p>
        )}
        {u.state === 'failed' && (
          <p class="form-error" role="alert">
            {u.error}
          </p>
        )}
      </section>
      {p.summary && u.state === 'done' && <SummaryPanel {...p} summary={p.summary} />}
      {p.canApply && <ApplyForm {...p} />}
      {u.state === 'done' && <Rejected upload={u} rows={p.summary?.reportRows ?? 0} />}
    </OfficePage>
  );
}

/** «Применить» with its reason (security.md row 25: every change by staff has one, in the audit row). */
function ApplyForm(p: UploadPageProps) {
  const error = p.reasonError;
  return (
    <form method="post" action={`/office/imports/${p.upload.id}/apply`} id="apply-form">
      <input type="hidden" name="_csrf" value={p.csrfToken} />
      <div class={`field${error ? ' has-error' : ''}`}>
        <label for="reason">Основание</label>
        <textarea
          id="reason"
          name="reason"
          rows={2}
          maxLength={500}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? 'reason-error reason-hint' : 'reason-hint'}
        >
          {p.reason ?? ''}
        </textarea>
        <p class="hint" id="reason-hint">
          Почему файл применяется (например, номер служебной записки); сохраняется в журнале действий.
        </p>
        <FieldError id="reason-error" message={error} />
      </div>
      <button type="submit" class="button">
        Применить
      </button>
    </form>
  );
}

function Progress({ upload: u }: { upload: Upload }) {
  if (u.state === 'queued') {
    return <p id="upload-progress">Ждёт своей очереди. Страница обновляется сама.</p>;
  }
  const phase = u.phase === 'apply' ? 'Записано' : 'Проверено';
  return (
    <p id="upload-progress">
      {phase} строк: {formatInteger(u.linesDone)}
      {u.fileLines > 0 ? ` из ${formatInteger(u.fileLines)}` : ''}. Страница обновляется сама.
    </p>
  );
}

function SummaryPanel(p: UploadPageProps & { summary: ImportSummary }) {
  const s = p.summary;
  const title =
    s.status === 'dry_run' ? 'Проверка без записи' : s.status === 'refused' ? 'Файл отклонён' : 'Итог';
  return (
    <section class="panel" aria-labelledby="summary-title">
      <h2 id="summary-title">{title}</h2>
      <ul id="upload-summary">
        {s.status === 'refused' && <li>Файл отклонён целиком, ничего не записано.</li>}
        {s.fileErrors.map((e) => (
          <li>{e}</li>
        ))}
        {s.encoding && (
          <li>
            Кодировка: {s.encoding}; разделитель:{' '}
            {s.delimiter === '\t' ? 'табуляция' : `«${s.delimiter ?? ''}»`}.
          </li>
        )}
        <li>
          {p.kind.records}: {formatInteger(s.records)}; отклонено: {formatInteger(s.rejected)}.
        </li>
        {s.status !== 'refused' &&
          Object.entries(p.kind.labels).map(([key, label]) => (
            <li>
              {label}: {formatInteger(s.counts[key] ?? 0)}
            </li>
          ))}
        {s.alreadyApplied !== null && s.status !== 'refused' && (
          <li>Этот же файл уже был применён раньше.</li>
        )}
        {s.status === 'dry_run' && changesNothing(s) && <li>Применение ничего не изменит.</li>}
        {s.status === 'applied' && changesNothing(s) && <li>Изменений нет: всё это уже было загружено.</li>}
      </ul>
    </section>
  );
}

function Rejected({ upload: u, rows }: { upload: Upload; rows: number }) {
  return (
    <section class="panel" aria-labelledby="rejected-title">
      <h2 id="rejected-title">Отклонённые строки и замечания</h2>
      {rows > u.preview.length && (
        <p id="rejected-count">
          Всего строк в отчёте: {formatInteger(rows)}; здесь первые {formatInteger(u.preview.length)}, все — в
          файле отчёта.
        </p>
      )}
      {u.preview.length === 0 ? (
        <p class="muted">Ни одна строка не отклонена, замечаний нет.</p>
      ) : (
        <>
          <table class="history" id="rejected" aria-labelledby="rejected-title">
            <thead>
              <tr>
                <th scope="col">Строка</th>
                <th scope="col">Результат</th>
                <th scope="col">Поле</th>
                <th scope="col">Сообщение</th>
              </tr>
            </thead>
            <tbody>
              {u.preview.map((r: ReportRow) => (
                <tr>
                  <td data-label="Строка">{r.line === null ? 'весь файл' : r.line}</td>
                  <td data-label="Результат">{r.kind}</td>
                  <td data-label="Поле">{r.field}</td>
                  <td data-label="Сообщение">{r.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <p>
        <a href={`/office/imports/${u.id}/report.csv`} download>
          Скачать отчёт о строках (CSV)
        </a>
      </p>
    </section>
  );
}
