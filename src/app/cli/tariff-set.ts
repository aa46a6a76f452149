import os from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../config.ts';
import { systemClock } from '../../platform/clock.ts';
import { formatDateRu } from '../../domain/dates.ts';
import {
  parseBand,
  parsePrice,
  parseValidFrom,
  parseZone,
  priceText,
} from '../../features/tariffs/tariff-input.ts';
import { setTariffPrice, TariffRefused } from '../../features/tariffs/tariffs.service.ts';
import { CommandRefused, nonEmpty, withDb } from './common.ts';

interface Options {
  plan: string;
  zone: string;
  band: string;
  from: string;
  price: string;
  reason?: string;
}

/** An option checked by a parser of tariff-input (its Russian message), kept as typed for the service. */
function checked(parse: (s: string) => { ok: true } | { ok: false; message: string }) {
  return (value: string): string => {
    const r = parse(value);
    if (!r.ok) {
      throw new InvalidArgumentError(r.message);
    }
    return value;
  };
}

export function register(cli: Command): void {
  cli
    .command('tariff-set')
    .summary('set the price of a tariff plan, zone and band from the 1st of a month')
    .description(
      'Set the price (rub. per kWh, up to 5 decimals) of a tariff plan, zone and band from a date, the 1st of ' +
        'a month. A price for a month that is closed (or a later month is) is refused: closed months change ' +
        'by recalculation. The same price again changes nothing; another price for the same key replaces ' +
        'it. Each change is audited.',
    )
    .requiredOption(
      '--plan <CODE>',
      'the tariff plan code (tariff_plans.code: single, two-zone, …)',
      nonEmpty,
    )
    .requiredOption('--zone <ZONE>', 'single, day, night, peak or half_peak', checked(parseZone))
    .option('--band <BAND>', 'base or above_norm (above the social norm)', checked(parseBand), 'base')
    .requiredOption(
      '--from <YYYY-MM-DD>',
      'the date it takes effect, the 1st of a month',
      checked(parseValidFrom),
    )
    .requiredOption(
      '--price <RUB>',
      'rub. per kWh, e.g. 5.47 or 5,47 (up to 5 decimals)',
      checked(parsePrice),
    )
    .option('--reason <TEXT>', "why (the tariff body's decision), kept in the audit log", nonEmpty)
    .action(run);
}

async function run(opts: Options): Promise<void> {
  const config = loadConfig();
  const res = await withDb(
    config,
    async (db) => {
      try {
        return await setTariffPrice(
          db.kysely,
          { plan: opts.plan, zone: opts.zone, band: opts.band, from: opts.from, price: opts.price },
          { by: os.userInfo().username, source: 'tariff-set', reason: opts.reason },
          systemClock.now(),
        );
      } catch (err) {
        throw err instanceof TariffRefused ? new CommandRefused(err.message) : err;
      }
    },
    { migrate: true },
  );
  const e = res.entry;
  const what = `${e.plan.code}, зона ${e.zone}, диапазон ${e.band}, с ${formatDateRu(e.validFrom)}`;
  console.log(
    res.status === 'added'
      ? `Цена записана: ${what} — ${priceText(e.priceE5)} руб./кВт·ч.`
      : res.status === 'changed'
        ? `Цена заменена: ${what} — ${priceText(res.beforeE5!)} → ${priceText(e.priceE5)} руб./кВт·ч.`
        : `Ничего не изменилось: ${what} уже стоит ${priceText(e.priceE5)} руб./кВт·ч.`,
  );
  for (const note of res.notes) {
    console.log(note);
  }
}
