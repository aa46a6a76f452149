import { Type, type Static } from 'typebox';
import { staffOf } from '../../features/office/office.guard.tsx';
import { reasonProblem } from '../../features/office/staff-admin.service.ts';
import { Field, FormError } from '../../features/office/office.view.tsx';
import { findActiveMeter, latestAcceptedReading } from '../../features/readings/readings.repository.ts';
import {
  replaceMeter,
  type ReplacementField,
  type ReplacementForm,
} from '../../features/readings/meter-replacement.ts';
import { formatDateRu } from '../../domain/dates.ts';
import { formatInteger } from '../../domain/format.ts';
import { ZONE_TITLES, zonesFor, type Zone } from '../../domain/tariff.ts';
import { Csrf, Html, Params, Reason, type Kit } from './account-actions.kit.tsx';
import { ActionPage, ReasonField, type Frame } from './account-actions.view.tsx';

// The operators' meter replacement on an account (issue 18): the old meter's final reading, the
// new meter's serial, digits, factor, verification date and initial reading, and the reason.
// features/readings/meter-replacement.ts checks and stores it; the next charge counts both meters.

const Body = Type.Object({
  date: Type.Optional(Type.String({ maxLength: 20 })),
  f1: Type.Optional(Type.String({ maxLength: 20 })),
  f2: Type.Optional(Type.String({ maxLength: 20 })),
  f3: Type.Optional(Type.String({ maxLength: 20 })),
  serial: Type.Optional(Type.String({ maxLength: 100 })),
  digits: Type.Optional(Type.String({ maxLength: 10 })),
  ratio: Type.Optional(Type.String({ maxLength: 10 })),
  due: Type.Optional(Type.String({ maxLength: 20 })),
  i1: Type.Optional(Type.String({ maxLength: 20 })),
  i2: Type.Optional(Type.String({ maxLength: 20 })),
  i3: Type.Optional(Type.String({ maxLength: 20 })),
  confirm: Type.Optional(Type.String({ maxLength: 10 })),
  meter: Type.Optional(Type.String({ maxLength: 20 })),
  ...Reason,
  ...Csrf,
});

/** The meter being replaced, as the form describes it. */
interface OldMeter {
  id: number;
  serial: string;
  digits: number;
  zones: Zone[];
  installedOn: string;
  last: { date: string; values: number[] } | null;
}

const EMPTY: ReplacementForm = {
  date: '',
  finalValues: [],
  serial: '',
  digits: '',
  ratio: '1',
  verificationDue: '',
  initialValues: [],
  confirmed: false,
};

function formOf(b: Static<typeof Body>): ReplacementForm {
  return {
    date: b.date ?? '',
    finalValues: [b.f1 ?? '', b.f2 ?? '', b.f3 ?? ''],
    serial: b.serial ?? '',
    digits: b.digits ?? '',
    ratio: b.ratio ?? '',
    verificationDue: b.due ?? '',
    initialValues: [b.i1 ?? '', b.i2 ?? '', b.i3 ?? ''],
    confirmed: b.confirm === 'yes',
    // A form without a meter id is for no meter: refused as stale.
    meterId: /^[0-9]{1,15}$/.test(b.meter ?? '') ? Number(b.meter) : 0,
  };
}

/** The meter in service and its last accepted reading, as the form describes them. */
async function oldMeterOf(db: Kit['db'], accountId: number): Promise<OldMeter | null> {
  const m = await findActiveMeter(db, accountId);
  if (!m) {
    return null;
  }
  const last = await latestAcceptedReading(db, accountId, m.id);
  return {
    id: m.id,
    serial: m.serial,
    digits: m.digits,
    zones: zonesFor(m.zones),
    installedOn: m.installedOn,
    last: last ? { date: last.readingDate, values: last.values } : null,
  };
}

export function registerMeterReplacementAction({
  r,
  ctx,
  db,
  send,
  accountOf,
  frame,
  backToCard,
}: Kit): void {
  const deps = { db, clock: ctx.clock, timeZone: ctx.config.timeZone, lastDay: ctx.config.readingsLastDay };

  r.get('/office/accounts/:id/meter', { schema: { params: Params, response: Html } }, async (req, reply) => {
    const account = await accountOf(req, reply, req.params.id);
    if (!account) {
      return reply;
    }
    return send(
      reply,
      200,
      <MeterReplacementPage
        {...frame(req, reply, account)}
        old={await oldMeterOf(db, account.id)}
        form={EMPTY}
        reason=""
      />,
    );
  });

  r.post(
    '/office/accounts/:id/meter',
    { schema: { params: Params, body: Body, response: Html } },
    async (req, reply) => {
      const account = await accountOf(req, reply, req.params.id);
      if (!account) {
        return reply;
      }
      const form = formOf(req.body);
      const reason = req.body.reason ?? '';
      const old = await oldMeterOf(db, account.id);
      const show = (extra: {
        errors?: Partial<Record<ReplacementField, string>>;
        formError?: string | undefined;
        reasonError?: string | undefined;
        confirm?: boolean | undefined;
      }) =>
        send(
          reply,
          400,
          <MeterReplacementPage
            {...frame(req, reply, account)}
            old={old}
            form={form}
            reason={reason}
            {...extra}
          />,
        );
      const reasonError = reasonProblem(reason);
      if (reasonError) {
        return show({ reasonError });
      }
      const result = await replaceMeter(deps, account, form, {
        ip: req.ip,
        reason: reason.trim(),
        channel: 'operator',
        staffUserId: staffOf(req).user.id,
      });
      if (result.kind === 'invalid') {
        return show({ errors: result.errors, formError: result.formError, confirm: result.confirm });
      }
      return backToCard(reply, account.id);
    },
  );
}

export function MeterReplacementPage(
  p: Frame & {
    old: OldMeter | null;
    form: ReplacementForm;
    reason: string;
    errors?: Partial<Record<ReplacementField, string>> | undefined;
    formError?: string | undefined;
    reasonError?: string | undefined;
    confirm?: boolean | undefined;
  },
) {
  const old = p.old;
  const e = p.errors ?? {};
  return (
    <ActionPage {...p} title="Замена счётчика">
      {!old ? (
        <p class="panel">У лицевого счёта нет счётчика в работе: заменять нечего.</p>
      ) : (
        <form method="post" action={`/office/accounts/${p.account.id}/meter`} novalidate class="panel">
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <input type="hidden" name="meter" value={String(old.id)} />
          <FormError message={p.formError} />
          <p>
            Снимается счётчик № {old.serial} ({old.digits} разрядов), установлен{' '}
            {formatDateRu(old.installedOn)}.
            {old.last
              ? ` Последнее принятое показание ${old.last.values.map((v) => formatInteger(v)).join(' / ')} от ${formatDateRu(old.last.date)}.`
              : ' Принятых показаний по нему нет.'}{' '}
            Следующее начисление по показаниям учтёт оба счётчика: старый — до конечного показания, новый — от
            начального.
          </p>
          <Field
            id="date"
            name="date"
            label="Дата замены (ДД.ММ.ГГГГ)"
            value={p.form.date}
            error={e.date}
            maxLength={10}
          />
          <fieldset>
            <legend>Старый счётчик № {old.serial}</legend>
            {old.zones.map((z, i) => (
              <Field
                id={`f${i + 1}`}
                name={`f${i + 1}`}
                label={zoneLabel(old, z, 'Конечное показание')}
                value={p.form.finalValues[i] ?? ''}
                error={i === 0 ? e.final : undefined}
                inputMode="numeric"
                maxLength={20}
              />
            ))}
          </fieldset>
          {p.confirm && (
            <div class="field checkbox">
              <input id="confirm" name="confirm" type="checkbox" value="yes" />
              <label for="confirm">Конечное показание проверено и верно</label>
            </div>
          )}
          <NewMeterFields old={old} form={p.form} errors={e} />
          <ReasonField
            id="meter-reason"
            value={p.reason}
            error={p.reasonError}
            label="Причина (например, акт замены № … от …)"
          />
          <button type="submit" class="button primary">
            Заменить счётчик
          </button>
        </form>
      )}
    </ActionPage>
  );
}

function NewMeterFields({
  old,
  form,
  errors,
}: {
  old: OldMeter;
  form: ReplacementForm;
  errors: Partial<Record<ReplacementField, string>>;
}) {
  return (
    <fieldset>
      <legend>Новый счётчик (зон: {old.zones.length}, как у старого)</legend>
      <Field
        id="serial"
        name="serial"
        label="Заводской номер"
        value={form.serial}
        error={errors.serial}
        maxLength={30}
      />
      <Field
        id="digits"
        name="digits"
        label="Разрядность (цифр до запятой)"
        value={form.digits}
        error={errors.digits}
        inputMode="numeric"
        maxLength={2}
      />
      <Field
        id="ratio"
        name="ratio"
        label="Коэффициент трансформации (1 — без трансформатора тока)"
        value={form.ratio}
        error={errors.ratio}
        inputMode="numeric"
        maxLength={5}
      />
      <Field
        id="due"
        name="due"
        label="Дата следующей поверки (ДД.ММ.ГГГГ)"
        value={form.verificationDue}
        error={errors.verificationDue}
        maxLength={10}
      />
      {old.zones.map((z, i) => (
        <Field
          id={`i${i + 1}`}
          name={`i${i + 1}`}
          label={zoneLabel(old, z, 'Начальное показание')}
          value={form.initialValues[i] ?? ''}
          error={i === 0 ? errors.initial : undefined}
          inputMode="numeric"
          maxLength={20}
        />
      ))}
    </fieldset>
  );
}

function zoneLabel(old: OldMeter, z: Zone, what: string): string {
  return old.zones.length > 1 ? `${what}, зона «${ZONE_TITLES[z]}»` : what;
}
