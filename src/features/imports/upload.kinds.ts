import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Role } from '../office/rights.ts';
import { runImport, type ImportOptions, type ImportSummary } from './engine.ts';
import { GRID_LABELS, GRID_RECORDS, gridReadingsFormat } from './readings.format.ts';
import { REGISTRY_LABELS, registryFormat } from './registry.format.ts';
import type { RegistryProfile } from './registry.profiles.ts';
import { METER_LABELS, metersFormat } from './meters.format.ts';
import { TARIFF_LABELS, tariffFormat } from './tariffs.format.ts';
import { loadTariffReference } from '../tariffs/tariffs.service.ts';
import { ACCOUNT_LABELS, accountsFormat } from './accounts.format.ts';
import type { UploadOptions } from './upload.repository.ts';

/**
 * What may be uploaded in the back office, and by whom (issue 19: registries and readings by an
 * accountant; accounts, meters and tariffs by an admin). Each kind is one entry: its key (stored
 * with the upload), its title for the form, the roles that may upload it, and how the engine
 * runs it. Another import becomes uploadable by adding its entry here. A kind that needs more
 * than the file says so (`needsRegion`: the accounts import, like the CLI's `--region`); the form
 * asks for it, and it is stored with the upload (`UploadOptions`) for the job that runs it.
 */

export interface UploadDeps {
  clock: Clock;
  timeZone: string;
  readingsLastDay: number;
}

/** Who uploaded the file, for the formats that audit their writes. */
export interface UploadActor {
  staffUserId: number;
  fileName: string;
}

export interface UploadKind {
  key: string;
  title: string;
  roles: readonly Role[];
  /** The summary's name for the lines read ("Строк с платежами"). */
  records: string;
  labels: Record<string, string>;
  /** The form asks for the region that starts every address (required), and «full file». */
  needsRegion?: boolean;
  run(
    db: Kysely<Database>,
    deps: UploadDeps,
    file: string,
    opts: Omit<ImportOptions, 'source' | 'clock'>,
    actor: UploadActor,
    options: UploadOptions,
  ): Promise<ImportSummary>;
}

const ACCOUNTANT: readonly Role[] = ['accountant'];
const ADMIN: readonly Role[] = ['admin'];
const TEXT_OR_XLSX = { encoding: 'auto', delimiter: 'auto' } as const;

function registryKind(profile: RegistryProfile): UploadKind {
  return {
    key: `registry:${profile.name}`,
    title: `Реестр платежей: ${profile.title}`,
    roles: ACCOUNTANT,
    records: 'Строк с платежами',
    labels: REGISTRY_LABELS,
    run: (db, deps, file, opts) =>
      runImport(db, registryFormat(profile, deps), file, {
        ...opts,
        clock: deps.clock,
        source: { encoding: profile.encoding, delimiter: profile.delimiter },
      }),
  };
}

const gridReadings: UploadKind = {
  key: 'readings:grid',
  title: 'Показания сетевой организации',
  roles: ACCOUNTANT,
  records: GRID_RECORDS,
  labels: GRID_LABELS,
  run: (db, deps, file, opts) =>
    runImport(db, gridReadingsFormat(deps), file, {
      ...opts,
      clock: deps.clock,
      source: TEXT_OR_XLSX,
    }),
};

/** The supplier's meters: installations, corrections, replacements (admin). */
const meters: UploadKind = {
  key: 'meters',
  title: 'Счётчики (установка, замена)',
  roles: ADMIN,
  records: 'Строк со счётчиками',
  labels: METER_LABELS,
  run: (db, deps, file, opts, actor) =>
    runImport(
      db,
      metersFormat({
        ...deps,
        by: { ip: 'office', staffUserId: actor.staffUserId, fileName: actor.fileName },
      }),
      file,
      { ...opts, clock: deps.clock, source: TEXT_OR_XLSX },
    ),
};

/** A tariff table, applied whole or not at all (admin). */
const tariffs: UploadKind = {
  key: 'tariffs',
  title: 'Тарифы (цены с 1-го числа месяца)',
  roles: ADMIN,
  records: 'Строк с ценами',
  labels: TARIFF_LABELS,
  run: async (db, deps, file, opts, actor) =>
    runImport(
      db,
      tariffFormat(
        await loadTariffReference(db),
        {
          by: `staff:${actor.staffUserId}`,
          staffUserId: actor.staffUserId,
          reason: `файл ${actor.fileName}`,
        },
        deps.clock,
      ),
      file,
      { ...opts, clock: deps.clock, source: TEXT_OR_XLSX },
    ),
};

/**
 * The supplier's accounts (admin), as `import-accounts --region R [--full]`: new accounts in the
 * branch of their settlement, changes audited with the admin. An upload without its region never
 * reaches the job (the form refuses it); one that did would be failed by the format's reader.
 */
const accounts: UploadKind = {
  key: 'accounts',
  title: 'Лицевые счета',
  roles: ADMIN,
  records: 'Строк с лицевыми счетами',
  labels: ACCOUNT_LABELS,
  needsRegion: true,
  run: (db, deps, file, opts, actor, options) =>
    runImport(
      db,
      accountsFormat({
        region: options.region ?? '',
        full: options.full ?? false,
        clock: deps.clock,
        staffUserId: actor.staffUserId,
      }),
      file,
      { ...opts, clock: deps.clock, source: TEXT_OR_XLSX },
    ),
};

/** Every kind: one per registry profile, the network company's readings, then the admin's files. */
export function uploadKinds(profiles: Record<string, RegistryProfile>): UploadKind[] {
  return [...Object.values(profiles).map(registryKind), gridReadings, accounts, meters, tariffs];
}

/** The kinds that a staff member with `roles` may upload. */
export function kindsFor(kinds: readonly UploadKind[], roles: readonly Role[]): UploadKind[] {
  return kinds.filter((k) => k.roles.some((r) => roles.includes(r)));
}
