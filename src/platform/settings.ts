import type { TProperties } from 'typebox';

/**
 * The settings in effect, as the admin's settings page shows them (pages/office/settings.*): each
 * environment variable of every feature's schema, with the schema's `description`, whether the
 * environment gave it, and its value, never a secret's.
 *
 * A setting is secret, shown only as given or not, when its schema says `secret: true` (the bank's
 * login) or its name contains PASSWORD, SECRET, TOKEN or KEY, whatever its schema says: a new
 * credential named as credentials are is hidden even if its author forgot the flag. A setting
 * whose name ends in `_URL` is shown as its scheme, host, port and path only: user names,
 * passwords (DATABASE_URL's, SMTP_URL's) and query parameters (`?password=`) never.
 */

/** A feature's settings under the title the page gives them. */
export interface SettingsGroup {
  title: string;
  schema: TProperties;
}

export interface SettingInEffect {
  name: string;
  /** The schema's `description`; null when it has none. */
  description: string | null;
  /** Whether the environment gave it; otherwise its default (or nothing) is in effect. */
  given: boolean;
  secret: boolean;
  /**
   * What the page may show of the value in effect; null for a secret, and for a setting that
   * has no value (not given, no default).
   */
  shown: string | null;
}

export interface SettingsSection {
  title: string;
  settings: SettingInEffect[];
}

const SECRET_NAME = /PASSWORD|SECRET|TOKEN|KEY/;

export function isSecretSetting(name: string, schema: unknown): boolean {
  return SECRET_NAME.test(name) || (schema as { secret?: unknown }).secret === true;
}

/**
 * A URL without what may be a credential: scheme, host, port and path. Null when the value does
 * not parse as a URL with a host, so that nothing of it is shown.
 */
export function urlWithoutCredentials(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.host === '') {
    return null;
  }
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.protocol}//${url.host}${path}`;
}

function shownValue(name: string, value: unknown): string | null {
  if (value === undefined || value === null) {
    return null;
  }
  // Strings as they are; numbers and yes/no as the environment would write them.
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return name.endsWith('_URL') ? urlWithoutCredentials(text) : text;
}

/**
 * Every setting of every group, in the schemas' order: `env` is what the process was given, `checked`
 * the same after the check at boot (defaults filled in, types converted).
 */
export function settingsInEffect(
  groups: readonly SettingsGroup[],
  env: Readonly<Record<string, string | undefined>>,
  checked: Readonly<Record<string, unknown>>,
): SettingsSection[] {
  return groups.map((g) => ({
    title: g.title,
    settings: Object.entries(g.schema).map(([name, schema]) => {
      const secret = isSecretSetting(name, schema);
      const description = (schema as { description?: unknown }).description;
      return {
        name,
        description: typeof description === 'string' ? description : null,
        given: env[name] !== undefined,
        secret,
        shown: secret ? null : shownValue(name, checked[name]),
      };
    }),
  }));
}
