// Test helper (imported only by *.test.ts): the HttpDeliveryError a call rejects with.
import { isHttpDeliveryError, type HttpDeliveryError } from './http-errors.ts';

/** Awaits `promise` and returns its HttpDeliveryError; throws when it resolves or rejects otherwise. */
export async function httpFailure(promise: Promise<unknown>): Promise<HttpDeliveryError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isHttpDeliveryError(err))
    throw new Error(`expected an HttpDeliveryError, got ${String(err)}`);
  return err;
}
