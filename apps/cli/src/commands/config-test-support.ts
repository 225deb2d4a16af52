import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from '@herald/testkit';
import type { CliIo } from '../command.ts';

/** The shipped sample configuration and what its `${VAR}` references need. */
export const SAMPLE_CONFIG = resolve(REPO_ROOT, 'config/herald.example.yaml');
export const SAMPLE_ENV = {
  HERALD_SLACK_WEBHOOK_URL: 'https://hooks.slack.example/services/T0/B0/x',
  HERALD_PAGERDUTY_ROUTING_KEY: 'R0UT1NGKEY',
  HERALD_TICKETS_WEBHOOK_SECRET: 'a-secret-of-24-characters',
  HERALD_TEAMS_WEBHOOK_URL: 'https://teams.example/workflows/1',
};

/** A CliIo whose output is kept; relative paths resolve against `cwd`. */
export function captured(env: Record<string, string | undefined>, cwd = REPO_ROOT) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env, cwd };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

/** A folder with the given files written into it. */
export async function folderWith(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'herald-cli-config-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}
