import { UsageError, type Command } from '../command.ts';
import { createHeraldClient, reportingRequestErrors } from '../http-client.ts';

const TAIL = `
  The pause is stored in Redis and announced to every replica, which applies it at once
  (or within its heartbeat, 5 s, if it missed the announcement); it survives restarts.
  Destinations are breaker names as \`herald breakers\` lists them, e.g. smtp:relay.example.org.

Talks to HERALD_URL (default http://127.0.0.1:8080) with HERALD_API_KEY.`;

function destinationOf(args: string[]): string {
  if (args.length !== 1) throw new UsageError('give exactly one destination');
  return args[0]!;
}

/** `herald pause <destination>`: holds a destination's breaker open on every replica. */
export const pauseCommand: Command = {
  name: 'pause',
  summary: 'pause a destination on every replica (its work waits, no attempts spent)',
  usage: `usage: herald pause <destination>

  Holds the destination's breaker open on every replica: work for it is deferred (no
  delivery attempt spent, its due time kept in PostgreSQL) until \`herald resume\`.${TAIL}`,
  async run(args, io) {
    const destination = destinationOf(args);
    const client = createHeraldClient(io.env);
    return reportingRequestErrors('pause', io, async () => {
      const { body } = await client.request<{ since: string; by: string }>(
        'POST',
        `/v1/destinations/${encodeURIComponent(destination)}/pause`,
      );
      io.stdout(`paused ${destination} (since ${body.since}, by ${body.by})\n`);
      return 0;
    });
  },
};

/** `herald resume <destination>`: ends a pause on every replica. */
export const resumeCommand: Command = {
  name: 'resume',
  summary: 'resume a paused destination on every replica',
  usage: `usage: herald resume <destination>

  Ends the pause: every replica closes the destination's breaker; deferred work goes out
  when its due time comes (at most the breaker's open duration later).${TAIL}`,
  async run(args, io) {
    const destination = destinationOf(args);
    const client = createHeraldClient(io.env);
    return reportingRequestErrors('resume', io, async () => {
      const { body } = await client.request<{ wasPaused: boolean }>(
        'POST',
        `/v1/destinations/${encodeURIComponent(destination)}/resume`,
      );
      io.stdout(
        body.wasPaused
          ? `resumed ${destination}\n`
          : `${destination} was not paused; nothing to do\n`,
      );
      return 0;
    });
  },
};
