import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ExportFile } from './exports.service.ts';

/**
 * Writes an export to `target`: first to a hidden file beside it, renamed when whole, so that a
 * run that fails half-way (the database gone, the disk full, Ctrl+C) leaves no file that looks
 * finished; the partial one is removed, and a registry's number is given back.
 */
export async function writeExportFile(file: ExportFile, target: string): Promise<void> {
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.part`);
  // Opened at once, so that the file exists before anything can fail and is removed after.
  const fd = fs.openSync(tmp, 'wx');
  try {
    await pipeline(file.open(), fs.createWriteStream('', { fd }));
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    await file.failed();
    throw err;
  }
}
