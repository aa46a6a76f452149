import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import type { Config } from '../config.ts';
import type { Db } from '../../platform/db/connect.ts';
import type { Parsed } from '../../features/exports/exports.input.ts';
import type { ExportFile } from '../../features/exports/exports.service.ts';
import { writeExportFile } from '../../features/exports/exports.file.ts';
import { CommandRefused, withDb } from './common.ts';

// What the export-* commands share: option values checked by the same rules as the back office's
// forms (a Russian message, exit 2 before the database is opened), and the file written whole or
// not at all.

/** An option parser from a checker of exports.input.ts. */
export function checked<T>(parse: (input: string) => Parsed<T>): (value: string) => T {
  return (value) => {
    const r = parse(value);
    if (!r.ok) {
      throw new InvalidArgumentError(r.message);
    }
    return r.value;
  };
}

/** Prepares the export (refused: exit 2, nothing written), writes it to `target`, says what it wrote. */
export async function runExport(
  config: Config,
  prepare: (db: Db) => Promise<ExportFile>,
  target: (file: ExportFile) => string,
): Promise<void> {
  await withDb(config, async (db) => {
    const file = await prepare(db);
    const out = target(file);
    const dir = path.dirname(path.resolve(out));
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      await file.failed();
      throw new CommandRefused(`Папки ${dir} нет: файл некуда записать.`);
    }
    await writeExportFile(file, out);
    console.error(`Записано строк: ${file.rows}; файл ${out}`);
  });
}
