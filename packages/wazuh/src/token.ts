/** How long a Wazuh API token lives unless it says otherwise (`auth_token_exp_timeout`). */
export const DEFAULT_TOKEN_LIFETIME_MS = 900_000; // 15 min

/** The JWT payload's claims, or undefined when the token is not a readable JWT. */
function readClaims(token: string): Record<string, unknown> | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) {
    return undefined;
  }
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null
      ? (claims as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How long a token just issued stays valid, in milliseconds from `nowMs`. The lifetime is
 * `exp` minus `iat` (or `nbf`) when the token carries both, so a manager whose clock is off
 * from ours does not make us renew too late or too often; `exp` against our clock when it
 * carries only that; 15 minutes when it carries neither. The signature is not checked: the
 * token is the API's to judge, and we only time its renewal.
 */
export function tokenLifetimeMs(token: string, nowMs: number): number {
  const claims = readClaims(token);
  const exp = claims?.exp;
  if (typeof exp !== 'number') {
    return DEFAULT_TOKEN_LIFETIME_MS;
  }

  const issued = typeof claims?.iat === 'number' ? claims.iat : claims?.nbf;
  if (typeof issued === 'number' && issued < exp) {
    return (exp - issued) * 1000;
  }
  return Math.max(0, exp * 1000 - nowMs);
}
