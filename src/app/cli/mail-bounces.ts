import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { applyDsn, type DsnOutcome, type DsnResult } from '../../features/mail/bounces.ts';
import type { Db } from '../../platform/db/connect.ts';
import { CommandRefused, withDb } from './common.ts';

/** A bounce is a few kilobytes; a larger file is not read (it is reported, not a DSN). */
const MAX_FILE_BYTES = 10 * 1024 * 1024;

export function register(cli: Command): void {
  cli
    .command('mail-bounces')
    .summary('mark e-mails bounced from the delivery status notifications in a directory')
    .description(
      'Read the files of a maildir-like directory (one message per file, e.g. what the mailbox of ' +
        'the bounce address collects; a maildir\'s "new" and "cur" are read too), match each delivery ' +
        'status notification (RFC 3464) to the e-mail it reports by its Message-ID, mark that e-mail ' +
        "bounced and the account's address undeliverable until its owner confirms an address again. " +
        'Files already applied change nothing; files that are not DSNs are reported.',
    )
    .argument('<dir>', 'the directory of messages')
    .action(async (dir: string) => {
      const files = messageFiles(dir);
      const config = loadConfig();
      const counts = await withDb(config, (db) => applyAll(db, files, config.mail.fromDomain), {
        migrate: true,
      });
      console.log(
        `${files.length} files: matched ${counts.matched} (addresses suspended ${counts.suspended}), ` +
          `already bounced ${counts.already}, unmatched ${counts.unmatched}, ` +
          `no permanent failure ${counts['no-failure']}, not a DSN ${counts['not-dsn']}`,
      );
    });
}

/** The files of `dir`, and of its maildir subdirectories `new` and `cur`, by name. */
function messageFiles(dir: string): string[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new CommandRefused(`${dir} is not a directory.`);
  }
  const files: string[] = [];
  for (const d of [dir, path.join(dir, 'new'), path.join(dir, 'cur')]) {
    if (!fs.existsSync(d)) {
      continue;
    }
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isFile() && !e.name.startsWith('.')) {
        files.push(path.join(d, e.name));
      }
    }
  }
  return files.sort();
}

type Counts = Record<DsnOutcome | 'suspended', number>;

async function applyAll(db: Db, files: string[], fromDomain: string): Promise<Counts> {
  const counts: Counts = {
    matched: 0,
    already: 0,
    unmatched: 0,
    'no-failure': 0,
    'not-dsn': 0,
    suspended: 0,
  };
  for (const file of files) {
    const r = await applyFile(db, file, fromDomain);
    counts[r.outcome]++;
    if (r.suspended) {
      counts.suspended++;
    }
    // Each file on its line: the operator sees which files need a look (stdout, like the summary).
    console.log(`${r.outcome}\t${path.basename(file)}\t${r.detail}`);
  }
  return counts;
}

async function applyFile(db: Db, file: string, fromDomain: string): Promise<DsnResult> {
  let raw: Buffer;
  try {
    if (fs.statSync(file).size > MAX_FILE_BYTES) {
      return {
        outcome: 'not-dsn',
        detail: `larger than ${MAX_FILE_BYTES} bytes: not read`,
        suspended: false,
      };
    }
    raw = fs.readFileSync(file);
  } catch (err) {
    const why = err instanceof Error && 'code' in err ? String(err.code) : 'unreadable';
    return { outcome: 'not-dsn', detail: `could not be read (${why})`, suspended: false };
  }
  return applyDsn(db.kysely, raw, { fromDomain, now: new Date() });
}
