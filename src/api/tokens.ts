/**
 * The API's opaque tokens (the paging cursors and the poll id of a slow query): a JSON value sealed
 * with a MAC bound to a context, so that any edit, or a token replayed in another context, is seen.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The outer shape of every sealed token: `<payload>.<22-character MAC>`. */
export const SEALED_TOKEN = /^[A-Za-z0-9_-]{1,4000}\.[A-Za-z0-9_-]{22}$/;

/**
 * Both tokens are `base64url(JSON).base64url(HMAC-SHA256(context + JSON))[0..16 bytes]`. The MAC
 * detects any edit (and a cursor replayed with other filters); the strict shape check after it
 * keeps even a correctly signed token from carrying anything but a day and a sort key. The key
 * need not be secret for that: the API is IAM-authenticated and a forged cursor could only page
 * through data the caller may read anyway.
 */
function sign(payload: string, context: string, key: string): string {
  return createHmac('sha256', key)
    .update(context)
    .update('\n')
    .update(payload)
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

export function seal(value: unknown, context: string, key: string): string {
  const payload = Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  return `${payload}.${sign(payload, context, key)}`;
}

/** Returns the parsed JSON of a sealed token, or null when the MAC or the encoding is wrong. */
export function unseal(token: string, context: string, key: string): unknown {
  const dot = token.indexOf('.');
  if (dot < 1) return null;
  const payload = token.slice(0, dot);
  const mac = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = Buffer.from(sign(payload, context, key), 'base64url');
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return null;
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
}
