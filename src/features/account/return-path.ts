/**
 * Where a customer who had to log in first was going (a bill link from an e-mail, a history
 * page after the session ended): carried as `next` through the login page and followed after
 * the login. Only a page of the cabinet on this site is followed, never another site: an open
 * redirect would let a look-alike link pass through our login page.
 */
const RETURN_PATH = /^\/cabinet(?:\/[\w~-][\w.~-]*)*(?:\?[\w.~%=&+-]*)?$/;

/** Longer than any page of the cabinet with its query. */
export const RETURN_PATH_MAX = 300;

/** `value` when it is a cabinet page other than the main page itself, else undefined. */
export function safeReturnPath(value: string | undefined): string | undefined {
  if (!value || value.length > RETURN_PATH_MAX || !RETURN_PATH.test(value) || value === '/cabinet') {
    return undefined;
  }
  return value;
}

/** The login page's address that returns to `path` after the login (the login page alone when it cannot). */
export function loginAddressFor(path: string): string {
  const next = safeReturnPath(path);
  return next ? `/cabinet?next=${encodeURIComponent(next)}` : '/cabinet';
}
