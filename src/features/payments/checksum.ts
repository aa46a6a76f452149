import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The RBS notification checksum: drop `checksum`, sort the other parameters by name, join them
 * as `name;value;`, HMAC-SHA256 with the merchant's callback key, upper-case hex.
 */
export function callbackChecksum(params: Record<string, string>, key: string): string {
  const data = Object.keys(params)
    .filter((k) => k !== 'checksum')
    .sort()
    .map((k) => `${k};${params[k]};`)
    .join('');
  return createHmac('sha256', key).update(data, 'utf8').digest('hex').toUpperCase();
}

/** Compares case-insensitively and in constant time; false for anything that is not 64 hex digits. */
export function checksumValid(params: Record<string, string>, key: string): boolean {
  const got = params.checksum;
  if (typeof got !== 'string' || !/^[0-9a-fA-F]{64}$/.test(got)) {
    return false;
  }
  const want = Buffer.from(callbackChecksum(params, key), 'hex');
  return timingSafeEqual(want, Buffer.from(got, 'hex'));
}
