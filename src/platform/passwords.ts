import { randomBytes } from 'node:crypto';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import { dictionary } from '@zxcvbn-ts/language-common';

// Passwords people choose: the staff's (features/office) and customers' profiles (features/profile).
// Stored as Argon2id; new ones are refused when short or common.

/** Argon2 hashes whatever it is given: an upper bound keeps one request from costing much. */
export const PASSWORD_MAX = 200;

/**
 * The 49 233 common passwords of zxcvbn-ts's common dictionary (@zxcvbn-ts/language-common:
 * leaked-password frequency lists), lower-cased; built on the first check, not at start.
 */
let common: Set<string> | undefined;
function commonPasswords(): Set<string> {
  common ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  return common;
}

/**
 * Why a new password is refused (a message for the field), or undefined when it will do: shorter
 * than `min`, longer than PASSWORD_MAX, common, or containing the login (an e-mail's local part
 * counts as a login).
 */
export function passwordProblem(password: string, rule: { min: number; login: string }): string | undefined {
  if (password.length < rule.min) {
    return `Пароль слишком короткий: нужно не меньше ${rule.min} символов.`;
  }
  if (password.length > PASSWORD_MAX) {
    return `Пароль слишком длинный: не больше ${PASSWORD_MAX} символов.`;
  }
  const lower = password.toLowerCase();
  if (commonPasswords().has(lower)) {
    return 'Этот пароль есть в списках часто используемых паролей. Придумайте другой.';
  }
  if (rule.login !== '' && lower.includes(rule.login.toLowerCase())) {
    return 'Пароль не должен содержать логин.';
  }
  return undefined;
}

/**
 * Argon2id with @node-rs/argon2's defaults: 19 MiB, 2 passes, 1 lane (OWASP's password storage
 * cheat sheet's first choice).
 */
export function hashPassword(password: string): Promise<string> {
  return argon2Hash(password);
}

export async function passwordMatches(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2Verify(hash, password);
  } catch {
    return false;
  }
}

/** A real hash of nothing anyone types: checked against unknown logins, so that they take as long. */
let decoy: Promise<string> | undefined;
export async function burnPasswordCheck(password: string): Promise<void> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  await passwordMatches(await decoy, password);
}
