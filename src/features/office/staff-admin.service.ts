import * as users from './staff.repository.ts';
import * as sessions from './staff-session.repository.ts';
import type { StaffDeps } from './staff-login.service.ts';
import type { StaffUser } from './staff.repository.ts';
import {
  hashRecoveryCode,
  newRecoveryCode,
  newToken,
  newTotpSecret,
  passwordProblem,
  RECOVERY_CODES,
  sha256,
  totpStep,
} from './credentials.ts';
import { hashPassword } from '../../platform/passwords.ts';
import { ROLES, isRole, type Role } from './rights.ts';

// Staff accounts: adding one (with its enrollment link), the enrollment itself, and what an
// admin does to an account. Every change is audited with who, why, before and after.

/** An enrollment link is valid for 24 hours, once. */
export const ENROLL_MS = 24 * 60 * 60_000;
export const REASON_MAX = 500;

export function enrollPath(token: string): string {
  return `/office/enroll/${token}`;
}

export interface Actor {
  /** Null for the CLI (the operating system's user is named in the audit details). */
  staffUserId: number | null;
  ip: string;
  /** For the CLI: who ran it. */
  name?: string;
}

export type NewStaffErrors = Partial<Record<'login' | 'fullName' | 'roles' | 'reason', string>>;

export interface NewStaffInput {
  login: string;
  fullName: string;
  roles: string[];
  reason: string;
}

const LOGIN_RE = /^[a-z][a-z0-9._-]{2,39}$/;

export function validateNewStaff(input: NewStaffInput, requireReason: boolean): NewStaffErrors {
  const e: NewStaffErrors = {};
  const login = input.login.trim().toLowerCase();
  if (login === '') {
    e.login = 'Введите логин.';
  } else if (!LOGIN_RE.test(login)) {
    e.login = 'Логин: от 3 до 40 латинских букв, цифр и знаков «.», «_», «-», начиная с буквы.';
  }
  const name = input.fullName.trim();
  if (name === '') {
    e.fullName = 'Введите фамилию, имя и отчество сотрудника.';
  } else if (name.length > 200) {
    e.fullName = 'Слишком длинное имя: не больше 200 символов.';
  }
  if (input.roles.length === 0) {
    e.roles = 'Выберите хотя бы одну роль.';
  } else if (!input.roles.every(isRole)) {
    e.roles = `Неизвестная роль: допустимы ${ROLES.join(', ')}.`;
  }
  const reasonError = requireReason ? reasonProblem(input.reason) : undefined;
  if (reasonError) {
    e.reason = reasonError;
  }
  return e;
}

export function reasonProblem(reason: string): string | undefined {
  const r = reason.trim();
  if (r === '') {
    return 'Укажите причину: она сохраняется в журнале действий.';
  }
  if (r.length > REASON_MAX) {
    return `Причина слишком длинная: не больше ${REASON_MAX} символов.`;
  }
  return undefined;
}

export type AddResult =
  { kind: 'invalid'; errors: NewStaffErrors } | { kind: 'ok'; id: number; token: string };

/** Adds a staff user with a one-time enrollment link; the admin (or the CLI) hands the link over. */
export async function addStaff(
  deps: StaffDeps,
  input: NewStaffInput,
  actor: Actor,
  opts: { requireReason: boolean } = { requireReason: true },
): Promise<AddResult> {
  const errors = validateNewStaff(input, opts.requireReason);
  const login = input.login.trim().toLowerCase();
  if (!errors.login && (await users.loginTaken(deps.db, login))) {
    errors.login = 'Такой логин уже есть.';
  }
  if (Object.keys(errors).length > 0) {
    return { kind: 'invalid', errors };
  }
  const roles = [...new Set(input.roles)].filter(isRole);
  const token = newToken();
  const at = deps.clock.now().getTime();
  const id = await deps.db.transaction().execute(async (tx) => {
    const newId = await users.insertUser(tx, {
      login,
      fullName: input.fullName.trim(),
      roles,
      enrollTokenHash: sha256(token),
      enrollExpiresAt: at + ENROLL_MS,
      at,
    });
    await sessions.recordStaffAudit(tx, at, {
      staffUserId: actor.staffUserId,
      event: 'staff.user.add',
      outcome: 'success',
      ip: actor.ip,
      details: {
        target: login,
        reason: input.reason.trim() || `command line${actor.name ? ` (${actor.name})` : ''}`,
        // No such user before: said outright, as every staff change's row has both sides.
        before: null,
        after: { login, fullName: input.fullName.trim(), roles, state: 'active' },
      },
    });
    return newId;
  });
  return { kind: 'ok', id, token };
}

// ---- Enrollment

export type EnrollFieldErrors = Partial<Record<'password' | 'password2' | 'code', string>>;

/** The user an enrollment link opens, or undefined when it is unknown, used or expired. */
export async function enrollmentOf(deps: StaffDeps, token: string): Promise<StaffUser | undefined> {
  const found = await users.findByEnrollToken(deps.db, sha256(token), deps.clock.now().getTime());
  return found?.user.state === 'active' ? found.user : undefined;
}

export type PasswordStep =
  | { kind: 'gone' }
  | { kind: 'invalid'; user: StaffUser; errors: EnrollFieldErrors }
  /** The password is kept; the second factor's secret to show, not yet in force. */
  | { kind: 'ok'; user: StaffUser; secret: string };

export async function setEnrollPassword(
  deps: StaffDeps,
  token: string,
  password: string,
  password2: string,
): Promise<PasswordStep> {
  const user = await enrollmentOf(deps, token);
  if (!user) {
    return { kind: 'gone' };
  }
  const problem = password === '' ? 'Введите пароль.' : passwordProblem(password, user.login);
  if (problem) {
    return { kind: 'invalid', user, errors: { password: problem } };
  }
  if (password !== password2) {
    return { kind: 'invalid', user, errors: { password2: 'Пароли не совпадают.' } };
  }
  const secret = newTotpSecret();
  await users.setPendingCredentials(deps.db, user.id, await hashPassword(password), secret);
  return { kind: 'ok', user, secret };
}

/** The secret shown on the code step again (after a wrong code). */
export async function pendingSecretOf(deps: StaffDeps, token: string): Promise<string | undefined> {
  const found = await users.findByEnrollToken(deps.db, sha256(token), deps.clock.now().getTime());
  return found?.secrets.pendingTotpSecret ?? undefined;
}

export type CodeStep =
  | { kind: 'gone' }
  /** No password yet: the link starts over. */
  | { kind: 'restart' }
  | { kind: 'invalid'; user: StaffUser; secret: string; error: string }
  /** Enrolled: the recovery codes, shown this once. */
  | { kind: 'ok'; user: StaffUser; recoveryCodes: string[] };

export async function confirmEnrollCode(
  deps: StaffDeps,
  token: string,
  code: string,
  ip: string,
): Promise<CodeStep> {
  const now = deps.clock.now();
  const found = await users.findByEnrollToken(deps.db, sha256(token), now.getTime());
  if (!found || found.user.state !== 'active') {
    return { kind: 'gone' };
  }
  const { user, secrets } = found;
  const secret = secrets.pendingTotpSecret;
  if (!secret || !secrets.passwordHash) {
    return { kind: 'restart' };
  }
  const typed = code.replace(/\s/g, '');
  const step = typed === '' ? undefined : await totpStep(secret, typed, now, 0);
  if (step === undefined) {
    const error =
      typed === ''
        ? 'Введите шестизначный код из приложения.'
        : 'Код не подошёл. Проверьте, что время на телефоне точное, и введите новый код.';
    return { kind: 'invalid', user, secret, error };
  }
  const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
  await deps.db.transaction().execute(async (tx) => {
    await users.completeEnrollment(tx, user.id, step);
    await users.replaceRecoveryCodes(tx, user.id, codes.map(hashRecoveryCode));
    await sessions.recordStaffAudit(tx, now.getTime(), {
      staffUserId: user.id,
      event: 'staff.enroll',
      outcome: 'success',
      ip,
      details: { target: user.login },
    });
  });
  return { kind: 'ok', user, recoveryCodes: codes };
}

// ---- An admin's actions on an account

export type StaffAction = 'disable' | 'enable' | 'end-sessions' | 'reset-factor';

export type ActionResult =
  | { kind: 'not-found' }
  | { kind: 'invalid'; error: string }
  | { kind: 'ok'; user: StaffUser; message: string; enrollToken?: string };

export async function applyStaffAction(
  deps: StaffDeps,
  id: number,
  action: StaffAction,
  reason: string,
  actor: Actor,
): Promise<ActionResult> {
  const user = await users.findUser(deps.db, id);
  if (!user) {
    return { kind: 'not-found' };
  }
  const reasonError = reasonProblem(reason);
  if (reasonError) {
    return { kind: 'invalid', error: reasonError };
  }
  if (actor.staffUserId === id && (action === 'disable' || action === 'reset-factor')) {
    return { kind: 'invalid', error: 'Это действие нельзя применить к своей учётной записи.' };
  }
  const at = deps.clock.now().getTime();
  return deps.db.transaction().execute(async (tx) => {
    const before = {
      state: user.state,
      enrolled: user.enrolled,
      sessions: await sessions.countUserSessions(tx, id),
    };
    let enrollToken: string | undefined;
    let message: string;
    switch (action) {
      case 'disable':
        await users.setState(tx, id, 'disabled');
        await sessions.deleteUserSessions(tx, id);
        message = `Учётная запись ${user.login} отключена, её сеансы завершены.`;
        break;
      case 'enable':
        await users.setState(tx, id, 'active');
        message = `Учётная запись ${user.login} включена.`;
        break;
      case 'end-sessions':
        await sessions.deleteUserSessions(tx, id);
        message = `Все сеансы ${user.login} завершены.`;
        break;
      case 'reset-factor':
        enrollToken = newToken();
        await users.openEnrollment(tx, id, sha256(enrollToken), at + ENROLL_MS);
        await sessions.deleteUserSessions(tx, id);
        message = `Пароль и второй фактор ${user.login} сброшены, сеансы завершены. Передайте сотруднику новую ссылку для регистрации.`;
        break;
    }
    const after = await users.findUser(tx, id);
    await sessions.recordStaffAudit(tx, at, {
      staffUserId: actor.staffUserId,
      event: `staff.user.${action}`,
      outcome: 'success',
      ip: actor.ip,
      details: {
        target: user.login,
        reason: reason.trim(),
        before,
        after: {
          state: after?.state,
          enrolled: after?.enrolled,
          sessions: await sessions.countUserSessions(tx, id),
        },
      },
    });
    return { kind: 'ok' as const, user: after ?? user, message, ...(enrollToken ? { enrollToken } : {}) };
  });
}

export function listStaff(deps: StaffDeps): Promise<StaffUser[]> {
  return users.listUsers(deps.db);
}

export type { Role };
