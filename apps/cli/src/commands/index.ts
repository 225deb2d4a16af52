import type { Command } from '../command.ts';
import { configCommand } from './config.ts';
import { breakersCommand } from './breakers.ts';
import { deadLettersCommand } from './dead-letters.ts';
import { pauseCommand, resumeCommand } from './pause.ts';
import { replayCommand } from './replay.ts';
import { retryCommand } from './retry.ts';
import { routeCommand } from './route.ts';
import { silenceCommand } from './silence.ts';
import { templateCommand } from './template.ts';

/** Every `herald` command, in the order `herald help` lists them. */
export const COMMANDS: readonly Command[] = [
  deadLettersCommand,
  retryCommand,
  replayCommand,
  breakersCommand,
  pauseCommand,
  resumeCommand,
  silenceCommand,
  configCommand,
  routeCommand,
  templateCommand,
];
