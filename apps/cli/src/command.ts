/** Where a command writes and what it reads from its surroundings: injected so tests capture it. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  /** The folder relative paths are read from. */
  cwd: string;
}

/** One `herald <name> ...` command. */
export interface Command {
  name: string;
  /** One line for `herald help`. */
  summary: string;
  /** Lines shown by `herald help <name>` and after a usage error. */
  usage: string;
  /** Runs with the arguments after the name; resolves to the exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}

/** A mistake in how the command was called: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  readonly code = 'CLI_USAGE';
}

export function isUsageError(err: unknown): err is UsageError {
  return err instanceof UsageError;
}
