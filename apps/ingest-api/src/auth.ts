import { createHash, timingSafeEqual } from 'node:crypto';
import type { onRequestAsyncHookHandler } from 'fastify';
import { noteRequest } from './request-notes.ts';

/** What a request's Authorization header amounts to. */
export type AuthResult = 'ok' | 'missing' | 'invalid';

// Hashing both sides gives equal lengths for timingSafeEqual, so neither a key's content
// nor its length leaks through the time a comparison takes.
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Builds a checker for `Authorization: Bearer <key>` against the configured keys (several
 * during a rotation). Every key is compared on every call, so the time taken does not
 * tell which key, if any, came close.
 */
export function createApiKeyCheck(
  keys: readonly string[],
): (header: string | undefined) => AuthResult {
  if (keys.length === 0) {
    throw new RangeError('at least one API key is required, got none');
  }
  const expected = keys.map(digest);

  return (header) => {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
    if (!match) {
      return 'missing';
    }

    const presented = digest(match[1]!);
    let valid = false;
    for (const key of expected) {
      // Evaluated before `||`, so no comparison is skipped after a match.
      valid = timingSafeEqual(key, presented) || valid;
    }
    return valid ? 'ok' : 'invalid';
  };
}

// RFC 6750: a missing credential gets the bare challenge, a wrong one says invalid_token.
const CHALLENGE_MISSING = 'Bearer realm="herald"';
const CHALLENGE_INVALID = 'Bearer realm="herald", error="invalid_token"';

/**
 * An onRequest hook that answers 401, with a challenge, unless the request carries one of
 * `keys`. It runs when the request arrives, before its body is read, so an unauthenticated
 * client cannot make the server buffer a body.
 */
export function apiKeyHook(keys: readonly string[]): onRequestAsyncHookHandler {
  const checkKey = createApiKeyCheck(keys);
  return async (request, reply) => {
    const auth = checkKey(request.headers.authorization);
    if (auth === 'ok') {
      return;
    }

    const error =
      auth === 'missing'
        ? 'the request carries no API key; send the header Authorization: Bearer <key>'
        : 'the API key is not valid';
    noteRequest(request, { reason: error });
    await reply
      .code(401)
      .header('www-authenticate', auth === 'missing' ? CHALLENGE_MISSING : CHALLENGE_INVALID)
      .send({ error });
    return reply;
  };
}
