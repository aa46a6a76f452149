import type { ImportSummary } from './engine.ts';

/** The counters that mean the database changed. */
const CHANGES = [
  'credited',
  'unallocated',
  'added',
  'changed',
  'removed',
  'readingStored',
  'readingReview',
  // The meters import's.
  'installed',
  'replaced',
  'updated',
];

/** True when applying (or, for a dry run, would apply) changes nothing. */
export function changesNothing(s: ImportSummary): boolean {
  return CHANGES.every((k) => (s.counts[k] ?? 0) === 0);
}

/** The summary of a run for people, in Russian, one fact a line. */
export function summaryLines(
  s: ImportSummary,
  labels: Record<string, string>,
  recordsTitle = 'Строк с платежами',
): string[] {
  const out: string[] = [];
  if (s.status === 'refused') {
    out.push(`Файл отклонён целиком, ничего не записано (запуск № ${s.runId}).`);
    out.push(...s.fileErrors);
  } else {
    out.push(
      s.status === 'dry_run'
        ? `Проверка без записи (запуск № ${s.runId}): что было бы сделано с --apply.`
        : `Файл применён (запуск № ${s.runId}${s.resumedRun !== null ? ', продолжен после прерывания' : ''}).`,
    );
  }
  if (s.encoding) {
    out.push(
      `Кодировка: ${s.encoding}; разделитель: ${s.delimiter === '\t' ? 'табуляция' : `«${s.delimiter}»`}.`,
    );
  }
  out.push(`${recordsTitle}: ${s.records}; отклонено: ${s.rejected}.`);
  if (s.status !== 'refused') {
    for (const [key, label] of Object.entries(labels)) {
      out.push(`${label}: ${s.counts[key] ?? 0}`);
    }
    if (s.alreadyApplied !== null) {
      out.push(`Этот же файл уже был применён (запуск № ${s.alreadyApplied}).`);
    }
    if (changesNothing(s)) {
      out.push(
        s.status === 'dry_run' ? 'Загрузка ничего не изменит.' : 'Изменений нет: всё это уже было загружено.',
      );
    }
  }
  out.push(
    `Отчёт о строках: ${s.reportPath} (${s.reportRows} ${s.reportRows === 1 ? 'строка' : 'строк(и)'}).`,
  );
  return out;
}
