import type { FastifyRequest } from 'fastify';

/** What a request's one log line reports besides method, path, status and duration. */
export interface RequestNote {
  accepted?: number;
  duplicate?: number;
  rejected?: number;
  /** Alerts an operator's retry moved back to new, and those it left alone. */
  retried?: number;
  skipped?: number;
  /** Why a 4xx was answered, as the client was told. */
  reason?: string;
  /** The summed pipeline lag that made a post be refused (503 under backpressure). */
  lag?: number;
  /** What made a 5xx, for the log only. */
  err?: unknown;
}

// Keyed by the request object, so a note lives exactly as long as its request.
const notes = new WeakMap<FastifyRequest, RequestNote>();

/** Adds to the note of `request`, for the log line written when its answer is sent. */
export function noteRequest(request: FastifyRequest, note: RequestNote): void {
  notes.set(request, { ...notes.get(request), ...note });
}

/** The note of `request`; empty when nothing was noted. */
export function requestNote(request: FastifyRequest): RequestNote {
  return notes.get(request) ?? {};
}
