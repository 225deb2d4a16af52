#!/usr/bin/env node
import { COMMANDS } from './commands/index.ts';
import { dispatch } from './dispatch.ts';

// A reader that stops early (`herald route test … | head`) closes the pipe: that ends the
// output, as it does for any Unix tool, instead of a stack trace about EPIPE.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await dispatch(COMMANDS, process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
});
