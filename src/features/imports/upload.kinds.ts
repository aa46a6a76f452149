import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Role } from '../office/rights.ts';
import { runImport, type ImportOptions, type ImportSummary } from './engine.ts';
import { GRID_LABELS, GRID_RECORDS, gridReadingsFormat } from './readings.format.ts';
import { REGISTRY_LABELS, registryFormat } from './registry.format.ts';
import type { RegistryProfile } from './registry.profiles.ts';

/**
 * What may be uploaded in the back office, and by whom (issue 19: registries and readings by an
 * accountant; accounts, meters and tariffs by an admin). Each kind is one entry: its key (stored
 * with the upload), its title for the form, the roles that may upload it, and how the engine
 * runs it. Another import (accounts, tariffs, …) becomes uploadable by adding its entry here.
 */

export interface UploadDeps {
  clock: Clock;
  timeZone: string;
  readingsLastDay: number;
}

export interface UploadKind {
  key: string;
  title: string;
  roles: readonly Role[];
  /** The summary's name for the lines read ("Строк с платежами"). */
  records: string;
  labels: Record<string, string>;
  run(
    db: Kysely<Database>,
    deps: UploadDeps,
    file: string,
    opts: Omit<ImportOptions, 'source' | 'clock'>,
  ): Promise<ImportSummary>;
}

const ACCOUNTANT: readonly Role[] = ['accountant'];

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
      source: { encoding: 'auto', delimiter: 'auto' },
    }),
};

/** Every kind: one per registry profile, then the network company's readings. */
export function uploadKinds(profiles: Record<string, RegistryProfile>): UploadKind[] {
  return [...Object.values(profiles).map(registryKind), gridReadings];
}

/** The kinds that a staff member with `roles` may upload. */
export function kindsFor(kinds: readonly UploadKind[], roles: readonly Role[]): UploadKind[] {
  return kinds.filter((k) => k.roles.some((r) => roles.includes(r)));
}
