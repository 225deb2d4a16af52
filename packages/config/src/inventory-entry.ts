import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

// The same four levels as the enrichment contract's Criticality (@herald/contracts), which
// the enricher parses this package's output with.
export const Criticality = z.enum(['low', 'medium', 'high', 'critical']);

function globToRegex(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'i');
}

/** An agent name pattern, compiled once: entries are tried for every alert. */
const NamePattern = z
  .string()
  .min(1)
  .transform((text) => ({ text, pattern: globToRegex(text) }));

const Cidr = z.string().transform((text, ctx) => {
  const [address = '', bits = '', extra] = text.split('/');
  const family = isIP(address);
  const prefix = Number(bits);
  const max = family === 6 ? 128 : 32;
  if (extra !== undefined || family === 0 || !/^\d{1,3}$/.test(bits) || prefix > max) {
    ctx.addIssue({ code: 'custom', message: `'${text}' is not a CIDR block such as 10.0.0.0/16` });
    return z.NEVER;
  }
  const block = new BlockList();
  block.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
  return { text, block };
});

// Compared as addresses, not text: an agent may report `2001:DB8:0::7` for `2001:db8::7`.
const Ip = z.string().transform((text, ctx) => {
  const family = isIP(text);
  if (family === 0) {
    ctx.addIssue({ code: 'custom', message: 'is not an IPv4 or IPv6 address' });
    return z.NEVER;
  }
  const block = new BlockList();
  block.addAddress(text, family === 6 ? 'ipv6' : 'ipv4');
  return { text, block };
});

/** One inventory entry, from YAML or from a CSV row. */
export const AssetEntry = z
  .strictObject({
    /** Agent name; `*` matches any run of characters (`web-*`); case does not matter. */
    name: NamePattern.optional(),
    /** A Wazuh agent group the agent belongs to (from the Wazuh API). */
    group: z.string().min(1).optional(),
    ip: Ip.optional(),
    cidr: Cidr.optional(),
    criticality: Criticality,
    owner: z.string().min(1).optional(),
    team: z.string().min(1).optional(),
    tags: z.array(z.string().min(1)).optional(),
  })
  .superRefine((entry, ctx) => {
    const keys = (['name', 'group', 'ip', 'cidr'] as const).filter(
      (key) => entry[key] !== undefined,
    );
    if (keys.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `needs exactly one of name, group, ip or cidr to say which agents it is about${keys.length > 1 ? ` (has ${keys.join(', ')})` : ''}`,
      });
    }
  });

export type Criticality = z.output<typeof Criticality>;

/** An entry and the line it starts on. */
export type Entry = z.output<typeof AssetEntry> & { line: number };
