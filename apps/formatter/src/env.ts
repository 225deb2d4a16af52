import { workerEnvShape } from '@herald/runtime';
import { z } from 'zod';

// A line break in an address would be a header injection in every message: refused at start.
const OneLine = z
  .string()
  .min(3)
  .refine((value) => !/[\r\n]/.test(value), 'must be one line');

const Addresses = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((address) => address.trim())
      .filter(Boolean),
  )
  .pipe(z.array(OneLine).min(1, 'needs at least one address'));

export const FormatterEnv = z.object({
  ...workerEnvShape,
  OPS_PORT: workerEnvShape.OPS_PORT.default(9103),
  /** The receiver the analyzer routes to by default; it receives email. */
  HERALD_DEFAULT_RECEIVER: z.string().min(1).default('default'),
  HERALD_MAIL_FROM: OneLine.default('Herald <herald@localhost>'),
  /** Comma-separated addresses of the default receiver. */
  HERALD_MAIL_TO: Addresses.default(['soc@localhost']),
  /** The configuration file (receivers and their templates); unset: one email receiver from the variables above. */
  HERALD_CONFIG: z.string().min(1).optional(),
  /** Where people reach Herald's API, for links in messages; none when unset. */
  HERALD_PUBLIC_URL: z
    .string()
    .url()
    .refine((value) => /^https?:\/\//.test(value), 'must be an http:// or https:// URL')
    .optional(),
});

export type FormatterEnv = z.output<typeof FormatterEnv>;
