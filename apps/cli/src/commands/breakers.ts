import { UsageError, type Command } from '../command.ts';
import { createHeraldClient, reportingRequestErrors } from '../http-client.ts';

interface BreakerRow {
  destination: string;
  replica: string;
  service: string;
  state: string;
  since: string;
  failureRate: number;
  calls: number;
  paused: boolean;
}

interface BoardView {
  breakers: BreakerRow[];
  paused: { destination: string; since: string; by: string }[];
}

const USAGE = `usage: herald breakers

  Lists the circuit breakers of every running replica at once (destination, replica,
  state, since when, failure rate over the calls in its window) and the destinations an
  operator paused. A replica that stopped publishing drops out after a few heartbeats.

Talks to HERALD_URL (default http://127.0.0.1:8080) with HERALD_API_KEY.`;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `herald breakers`: every replica's breakers, and the pauses. */
export const breakersCommand: Command = {
  name: 'breakers',
  summary: 'list the circuit breakers of every replica, and paused destinations',
  usage: USAGE,
  async run(args, io) {
    if (args.length > 0) throw new UsageError('takes no arguments');
    const client = createHeraldClient(io.env);
    return reportingRequestErrors('breakers', io, async () => {
      const { body } = await client.request<BoardView>('GET', '/v1/breakers');
      if (body.breakers.length === 0) {
        io.stdout('no breakers published (no replica has called a destination yet)\n');
      } else {
        const rows = body.breakers.map((b) => [
          b.destination,
          `${b.service}/${b.replica}`,
          b.paused ? `${b.state} (paused)` : b.state,
          b.since,
          `${Math.round(b.failureRate * 100)}% of ${b.calls}`,
        ]);
        io.stdout(
          `${table([['DESTINATION', 'REPLICA', 'STATE', 'SINCE', 'FAILURES'], ...rows])}\n`,
        );
      }
      for (const pause of body.paused) {
        io.stdout(`paused: ${pause.destination} since ${pause.since} by ${pause.by}\n`);
      }
      return 0;
    });
  },
};
