#!/usr/bin/env node
import { COMMANDS } from './commands/index.ts';
import { dispatch } from './dispatch.ts';

process.exitCode = await dispatch(COMMANDS, process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
});
