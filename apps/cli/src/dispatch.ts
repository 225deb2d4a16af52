import { isUsageError, type CliIo, type Command } from './command.ts';

function helpText(commands: readonly Command[]): string {
  const width = Math.max(4, ...commands.map((command) => command.name.length));
  const lines = commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return [
    'usage: herald <command> [arguments]',
    '',
    'commands:',
    ...lines,
    '',
    'herald help <command> shows its usage.',
    '',
  ].join('\n');
}

/** Runs `herald <args>` against the given commands; resolves to the process exit code. */
export async function dispatch(
  commands: readonly Command[],
  args: readonly string[],
  io: CliIo,
): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? rest[0] : undefined;
    const command = topic === undefined ? undefined : commands.find((c) => c.name === topic);
    if (topic !== undefined && !command) {
      io.stderr(`herald: no command named '${topic}'\n${helpText(commands)}`);
      return 2;
    }
    io.stdout(command ? `${command.usage}\n` : helpText(commands));
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr(`herald: no command named '${name}'\n${helpText(commands)}`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (isUsageError(err)) {
      io.stderr(`herald ${name}: ${err.message}\n${command.usage}\n`);
      return 2;
    }
    throw err;
  }
}
