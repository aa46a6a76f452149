import { isIP } from 'node:net';

/**
 * Which `X-Forwarded-For` entries name the client: none (`false`), the one added by each of the
 * nearest N proxies (a hop count), or those added by proxies at these addresses (Fastify's
 * `trustProxy`, through proxy-addr). Never every entry: the left-most one is whatever the client
 * wrote, so trusting all of them let a client pick its own address, escape the per-address login
 * throttles and store a 4,000-character "address" in the audit log.
 */
export type TrustProxy = false | number | string[];

/** The names proxy-addr knows for address ranges. */
const NAMED = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * TRUST_PROXY: `false` (or `0`); `true`, the one proxy in front (nginx), the same as `1`; a hop
 * count; or a comma-separated list of proxy addresses, CIDR ranges and the names `loopback`,
 * `linklocal`, `uniquelocal`. Anything else stops the boot with a message.
 */
export function parseTrustProxy(raw: string): TrustProxy {
  const v = raw.trim();
  if (v === 'false' || v === '0' || v === '') {
    return false;
  }
  if (v === 'true') {
    return 1;
  }
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    if (hops > 10) {
      throw new Error(`TRUST_PROXY: ${hops} proxies in a row is not a deployment; give 1 to 10 or addresses`);
    }
    return hops;
  }
  const entries = v.split(',').map((e) => e.trim());
  const bad = entries.filter((e) => !NAMED.has(e) && !isAddressOrRange(e));
  if (bad.length > 0) {
    throw new Error(
      `TRUST_PROXY: not an address, a range or a hop count: ${bad.map((b) => JSON.stringify(b.slice(0, 60))).join(', ')}`,
    );
  }
  return entries;
}

function isAddressOrRange(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) {
    return false;
  }
  if (prefix === undefined) {
    return true;
  }
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}
