import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

export interface Office {
  name: string;
  branch: string;
  address: string;
  phones: string;
  hours: string;
  lat: number | null;
  lon: number | null;
}

export async function listOffices(db: Kysely<Database>): Promise<Office[]> {
  const rows = await db
    .selectFrom('offices')
    .innerJoin('branches', 'branches.id', 'offices.branch_id')
    .select([
      'offices.name',
      'branches.name as branch',
      'offices.address',
      'offices.phones',
      'offices.hours',
      'offices.lat_e6',
      'offices.lon_e6',
    ])
    .orderBy('branches.name')
    .orderBy('offices.name')
    .execute();
  return rows.map((r) => ({
    name: r.name,
    branch: r.branch,
    address: r.address,
    phones: r.phones,
    hours: r.hours,
    lat: r.lat_e6 === null ? null : Number(r.lat_e6) / 1e6,
    lon: r.lon_e6 === null ? null : Number(r.lon_e6) / 1e6,
  }));
}
