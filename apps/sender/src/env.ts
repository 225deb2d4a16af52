import { BoolEnv, CountEnv, MsEnv, workerEnvShape } from '@herald/runtime';
import { z } from 'zod';

export const SenderEnv = z
  .object({
    ...workerEnvShape,
    OPS_PORT: workerEnvShape.OPS_PORT.default(9104),
    /** Messages of one batch sent at once. */
    HERALD_SEND_CONCURRENCY: CountEnv.default(8),
    /**
     * How long an alert waits when its destination could not take any message (refused
     * connection, timeout, TLS or login failure, 421): no attempt is spent on the wait.
     */
    HERALD_DESTINATION_RETRY_MS: MsEnv.default(30_000), // 30 s
    /** How long to keep recording a receipt after the server took the message (rides out a database restart). */
    HERALD_RECEIPT_WRITE_BUDGET_MS: MsEnv.default(30_000), // 30 s
    /** The configuration file (receivers: Slack, Teams, webhook, PagerDuty); unset: email to HERALD_MAIL_TO only. */
    HERALD_CONFIG: z.string().min(1).optional(),
    /** Slack, Teams, webhook and PagerDuty calls: bound on the connect, and on the reply. */
    HERALD_HTTP_TIMEOUT_MS: MsEnv.min(1).default(15_000), // 15 s
    // SMTP: when SMTP_HOST is unset, mail goes to .eml files in HERALD_MAILBOX_DIR.
    SMTP_HOST: z.string().optional(),
    SMTP_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
    /** none: plain; starttls: upgrade required (port 587); tls: implicit TLS (port 465). */
    SMTP_SECURITY: z.enum(['none', 'starttls', 'tls']).default('starttls'),
    SMTP_USER: z.string().optional(),
    SMTP_PASSWORD: z.string().optional(),
    SMTP_CA_FILE: z.string().optional(),
    /** false skips certificate verification: an explicit, logged opt-out. */
    SMTP_TLS_REJECT_UNAUTHORIZED: BoolEnv.default(true),
    SMTP_TIMEOUT_MS: MsEnv.default(30_000), // 30 s for connect, greeting and each reply
    HERALD_MAILBOX_DIR: z.string().default('mailbox'),
    // The breaker in front of the mail destination.
    HERALD_BREAKER_WINDOW_MS: MsEnv.default(30_000), // 30 s
    HERALD_BREAKER_MIN_CALLS: CountEnv.default(10),
    HERALD_BREAKER_OPEN_MS: MsEnv.default(30_000), // 30 s
  })
  .superRefine((env, ctx) => {
    if (env.SMTP_USER && !env.SMTP_PASSWORD) {
      ctx.addIssue({
        code: 'custom',
        path: ['SMTP_PASSWORD'],
        message: 'is required when SMTP_USER is set',
      });
    }
    if (!env.SMTP_HOST && (env.SMTP_USER || env.SMTP_PORT)) {
      ctx.addIssue({
        code: 'custom',
        path: ['SMTP_HOST'],
        message: 'is required when SMTP_PORT or SMTP_USER is set',
      });
    }
  });

export type SenderEnv = z.output<typeof SenderEnv>;
