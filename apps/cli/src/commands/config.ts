import { parseArgs } from 'node:util';
import { channelOf, isConfigFileError, type RouteNode } from '@herald/config';
import { UsageError, type CliIo, type Command } from '../command.ts';
import { loadConfigAsServicesWould } from './config-load.ts';

const USAGE = `usage: herald config check [--config FILE]

  check   validates the configuration file (FILE, else HERALD_CONFIG) and the inventory
          it names, as the services would at start: prints OK with a summary, or every
          problem as file:line:column: path: message (exit 1). Without a file, checks the
          configuration built from HERALD_DEFAULT_RECEIVER, HERALD_MAIL_TO, ...
          \${VAR} references are read from this shell's environment.`;

function countRoutes(node: RouteNode): number {
  return node.routes.reduce((sum, child) => sum + 1 + countRoutes(child), 0);
}

function plural(count: number, word: string, words = `${word}s`): string {
  return `${count} ${count === 1 ? word : words}`;
}

async function check(flag: string | undefined, io: CliIo): Promise<number> {
  try {
    const { config, file, inventory } = await loadConfigAsServicesWould(flag, io);
    const receivers = config.receivers.map((r) => `${r.name} (${channelOf(r)})`).join(', ');
    io.stdout(`OK ${file ?? 'configuration from the environment (no HERALD_CONFIG)'}\n`);
    io.stdout(`  ${plural(config.receivers.length, 'receiver')}: ${receivers}\n`);
    io.stdout(
      `  ${plural(countRoutes(config.route), 'route')} below the root` +
        ` (root receiver: ${config.route.receiver ?? 'none: unmatched alerts reach nobody'})\n`,
    );
    if (config.timeIntervals.size > 0) {
      io.stdout(
        `  ${plural(config.timeIntervals.size, 'time interval')}: ${[...config.timeIntervals.keys()].join(', ')}\n`,
      );
    }
    if (inventory) {
      io.stdout(
        `  inventory ${inventory.file}: ${plural(inventory.entries.length, 'entry', 'entries')}\n`,
      );
    }
    return 0;
  } catch (err) {
    if (!isConfigFileError(err)) throw err;
    io.stderr(`${err.message}\n`);
    io.stderr(`${plural(err.issues.length, 'problem')}: the services would refuse to start\n`);
    return 1;
  }
}

/** `herald config check`: validates the configuration and inventory as a service would. */
export const configCommand: Command = {
  name: 'config',
  summary: 'validates the configuration file and its inventory',
  usage: USAGE,
  async run(args, io) {
    const { positionals, values } = (() => {
      try {
        return parseArgs({ args, allowPositionals: true, options: { config: { type: 'string' } } });
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    })();
    if (positionals[0] !== 'check' || positionals.length !== 1) {
      throw new UsageError(
        positionals.length === 0
          ? 'name a subcommand: check'
          : `unknown arguments: ${positionals.join(' ')}`,
      );
    }
    return check(values.config, io);
  },
};
