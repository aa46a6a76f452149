import type { Db } from '../db/connect.ts';

export interface GenerateOptions {
  accounts: number;
  seed: number;
  now: Date;
  timeZone: string;
  /** Draw a progress bar on stderr. */
  progress: boolean;
}

export interface GenerateResult {
  accounts: number;
  readings: number;
  payments: number;
  charges: number;
}

export async function generate(_db: Db, _opts: GenerateOptions): Promise<GenerateResult> {
  throw new Error('generate: not implemented yet');
}
