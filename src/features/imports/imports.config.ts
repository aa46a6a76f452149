import { Type } from 'typebox';

/**
 * Imports uploaded in the back office: settings checked at boot (app/config.ts calls `importsConfig`).
 *
 * - IMPORT_UPLOAD_MAX_MB: the largest file accepted (50 MB: a 300 000-line registry is ~40 MB).
 * - IMPORT_LEASE_SECONDS: how long a job runner holds an upload without news (renewed as it
 *   reads); a runner killed half-way leaves it to another one after this long.
 * - IMPORT_POLL_SECONDS: how often each listening instance looks for queued uploads.
 */
export const ImportsEnvSchema = {
  IMPORT_UPLOAD_MAX_MB: Type.Integer({
    minimum: 1,
    maximum: 1024,
    default: 50,
    description: 'Наибольший файл, принимаемый на странице «Загрузка файлов», МБ',
  }),
  IMPORT_LEASE_SECONDS: Type.Integer({
    minimum: 5,
    maximum: 3600,
    default: 60,
    description:
      'Сколько секунд обработчик держит загрузку без вестей, прежде чем её возьмёт другой экземпляр',
  }),
  IMPORT_POLL_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 3600,
    default: 2,
    description: 'Как часто каждый экземпляр ищет загрузки в очереди, секунд',
  }),
};

export interface ImportsConfig {
  uploadMaxBytes: number;
  leaseMs: number;
  pollMs: number;
}

export function importsConfig(raw: {
  IMPORT_UPLOAD_MAX_MB: number;
  IMPORT_LEASE_SECONDS: number;
  IMPORT_POLL_SECONDS: number;
}): ImportsConfig {
  return {
    uploadMaxBytes: raw.IMPORT_UPLOAD_MAX_MB * 1024 * 1024,
    leaseMs: raw.IMPORT_LEASE_SECONDS * 1000,
    pollMs: raw.IMPORT_POLL_SECONDS * 1000,
  };
}
