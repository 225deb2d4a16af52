/** A reservation of body bytes; releasing it twice releases it once. */
export type BodyReservation = () => void;

/**
 * Bounds the request bodies ingest works on at once. A post's memory is many times its
 * body (the text, the parsed alerts, their validation and rows), and the services run with
 * a capped V8 heap (scripts/service-node-options.mjs): two 10 MiB posts at once were enough
 * to end the process with "JavaScript heap out of memory", and every request in flight with
 * it. A post is admitted while the bytes in flight, its own included, stay within
 * `maxBytes`, and always when nothing else is in flight, so a post of any size the body
 * limit allows is taken on its own. `maxBytes` 0 admits everything.
 */
export class BodyBudget {
  readonly maxBytes: number;
  #inFlight = 0;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** Bytes reserved by posts not yet answered. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Reserves `bytes`, or answers undefined when they do not fit now. */
  tryReserve(bytes: number): BodyReservation | undefined {
    if (this.maxBytes > 0 && this.#inFlight > 0 && this.#inFlight + bytes > this.maxBytes) {
      return undefined;
    }
    this.#inFlight += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inFlight -= bytes;
    };
  }
}

/**
 * The bytes a request's body will take: its Content-Length, or the body limit when it
 * does not say (chunked) or says more (Fastify refuses it with 413 before reading it all).
 */
export function expectedBodyBytes(
  contentLength: string | undefined,
  bodyLimitBytes: number,
): number {
  const declared = contentLength === undefined ? Number.NaN : Number(contentLength);
  return Number.isSafeInteger(declared) && declared >= 0
    ? Math.min(declared, bodyLimitBytes)
    : bodyLimitBytes;
}
