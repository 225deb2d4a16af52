// Test helper: the published webhook JSON Schema, compiled once with ajv.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';

const schema: unknown = JSON.parse(
  readFileSync(new URL('../../schema/webhook-v1.json', import.meta.url), 'utf8'),
);

/** Validates a webhook document against `schema/webhook-v1.json`; returns ajv's errors. */
export const validateWebhookDocument = new Ajv({ allErrors: true, strict: true }).compile(
  schema as object,
);
