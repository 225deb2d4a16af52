import { describe, expect, it } from 'vitest';
import { UsageError, type CliIo, type Command } from './command.ts';
import { dispatch } from './dispatch.ts';

function capture(): { io: CliIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: {}, cwd: '/' },
    out,
    err,
  };
}

const echo: Command = {
  name: 'echo',
  summary: 'prints its arguments',
  usage: 'usage: herald echo <word>...',
  async run(args, io) {
    if (args.length === 0) throw new UsageError('give at least one word');
    io.stdout(`${args.join(' ')}\n`);
    return 0;
  },
};

describe('dispatch', () => {
  it('runs the named command with the arguments after its name', async () => {
    const { io, out } = capture();
    expect(await dispatch([echo], ['echo', 'a', 'b'], io)).toBe(0);
    expect(out.join('')).toBe('a b\n');
  });

  it('prints the usage and exits 2 on a usage error', async () => {
    const { io, err } = capture();
    expect(await dispatch([echo], ['echo'], io)).toBe(2);
    expect(err.join('')).toContain('give at least one word');
    expect(err.join('')).toContain('usage: herald echo');
  });

  it('names an unknown command and lists the known ones', async () => {
    const { io, err } = capture();
    expect(await dispatch([echo], ['nope'], io)).toBe(2);
    expect(err.join('')).toContain("no command named 'nope'");
    expect(err.join('')).toContain('prints its arguments');
  });

  it("shows one command's usage under help", async () => {
    const { io, out } = capture();
    expect(await dispatch([echo], ['help', 'echo'], io)).toBe(0);
    expect(out.join('')).toBe('usage: herald echo <word>...\n');
  });
});
