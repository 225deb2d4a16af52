import { z } from 'zod';

/** A rendered email, as the formatter stores it for the sender. */
export const RenderedEmailSchema = z.object({
  channel: z.literal('email'),
  from: z.string(),
  to: z.array(z.string()).min(1),
  subject: z.string().refine((s) => !/[\r\n]/.test(s), 'a subject must be one line'),
  text: z.string(),
  html: z.string(),
  /** Extra headers naming the alert, rule and priority (X-Herald-*). */
  headers: z.record(z.string(), z.string()),
});

export const RenderedMessageSchema = z.discriminatedUnion('channel', [RenderedEmailSchema]);

export type RenderedEmail = z.infer<typeof RenderedEmailSchema>;
export type RenderedMessage = z.infer<typeof RenderedMessageSchema>;
