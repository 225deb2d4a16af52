import { z } from 'zod';
import { ANSWER_JSON_SCHEMA, LlmAnswerSchema, type LlmText } from './answer.ts';
import { isLlmError, LlmError } from './errors.ts';
import type { ChatMessage } from './prompt.ts';

/** How to reach an OpenAI-compatible chat completions endpoint. */
export interface ChatClientOptions {
  /** Base URL up to the API version, e.g. `https://api.openai.com/v1` or `http://ollama:11434/v1`. */
  baseUrl: string;
  model: string;
  /** Sent as a Bearer token; local servers often need none. */
  apiKey?: string | undefined;
  /** Bound on one request, connection to last byte, ms. */
  timeoutMs: number;
  /** Clock for an HTTP-date Retry-After, epoch ms. */
  now?: () => number;
}

const ChatReply = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullable().optional(),
          refusal: z.string().nullable().optional(),
        }),
      }),
    )
    .min(1),
});

const ErrorReply = z.object({ error: z.object({ message: z.string().optional() }) });

/** Most bytes of a reply read: an answer is a few paragraphs, far below this. */
export const MAX_REPLY_BYTES = 1024 * 1024;

// Reads the body up to MAX_REPLY_BYTES; a longer one is cut off (the connection closed) and
// refused, so an endpoint that streams without end cannot fill the analyzer's memory.
async function readBounded(response: Response): Promise<string> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > MAX_REPLY_BYTES) {
      await response.body.cancel().catch(() => undefined);
      throw new LlmError(
        'LLM_BAD_REPLY',
        `chat completions: the reply is larger than ${MAX_REPLY_BYTES} bytes`,
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Longest part of the endpoint's own error message kept in ours. */
const MAX_DETAIL_CHARS = 200;

/** Retry-After (seconds or an HTTP date) or retry-after-ms, as milliseconds from now. */
function retryAfterMs(headers: Headers, nowMs: number): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\s*\d+(\.\d+)?\s*$/.test(ms)) {
    return Math.ceil(Number(ms));
  }
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') {
    return undefined;
  }
  if (/^\s*\d+\s*$/.test(value)) {
    return Number(value) * 1000;
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** The endpoint's own words on a failure (`error.message`), one line, bounded. */
function detailOf(text: string): string {
  let detail = text;
  try {
    const parsed = ErrorReply.safeParse(JSON.parse(text));
    detail = parsed.success ? (parsed.data.error.message ?? '') : text;
  } catch {
    // not JSON: the text as it is
  }
  const line = detail.replace(/\s+/g, ' ').trim();
  return line.length > MAX_DETAIL_CHARS ? `${line.slice(0, MAX_DETAIL_CHARS)}…` : line;
}

function statusError(status: number, headers: Headers, text: string, nowMs: number): LlmError {
  const detail = detailOf(text);
  const message = `chat completions: HTTP ${status}${detail ? `: ${detail}` : ''}`;
  if (status === 429) {
    return new LlmError('LLM_RATE_LIMITED', message, {
      status,
      retryAfterMs: retryAfterMs(headers, nowMs),
    });
  }
  if (status === 408 || status >= 500) {
    return new LlmError('LLM_UNAVAILABLE', message, {
      status,
      retryAfterMs: status === 503 ? retryAfterMs(headers, nowMs) : undefined,
    });
  }
  return new LlmError('LLM_REJECTED', message, { status });
}

/** Reads the answer out of a 2xx body: the chat completions shape, then the answer schema. */
export function parseAnswer(text: string): LlmText {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new LlmError('LLM_BAD_REPLY', 'chat completions: the reply is not JSON', { cause: err });
  }
  const reply = ChatReply.safeParse(body);
  if (!reply.success) {
    throw new LlmError('LLM_BAD_REPLY', 'chat completions: no choices[0].message in the reply', {
      cause: reply.error,
    });
  }
  const message = reply.data.choices[0]!.message;
  if (typeof message.content !== 'string' || message.content.trim() === '') {
    const why = message.refusal ? 'the model refused' : 'the message has no content';
    throw new LlmError('LLM_BAD_REPLY', `chat completions: ${why}`);
  }

  let content: unknown;
  try {
    content = JSON.parse(message.content);
  } catch (err) {
    throw new LlmError('LLM_BAD_REPLY', 'chat completions: the content is not JSON', {
      cause: err,
    });
  }
  const answer = LlmAnswerSchema.safeParse(content);
  if (!answer.success) {
    const problems = answer.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new LlmError(
      'LLM_BAD_REPLY',
      `chat completions: the answer breaks the schema: ${problems.join('; ')}`,
      { cause: answer.error },
    );
  }
  return answer.data;
}

/**
 * One request to `POST {baseUrl}/chat/completions` asking for structured output
 * (`response_format` json_schema), whose answer is validated again on arrival: a model or
 * server that ignores the schema is caught here. Failures are {@link LlmError}s carrying
 * the HTTP status, so a breaker counts a 4xx other than 408/429 as our mistake.
 */
export class ChatCompletionsClient {
  private readonly url: URL;
  private readonly options: ChatClientOptions;
  private readonly now: () => number;

  constructor(options: ChatClientOptions) {
    const base = URL.parse(options.baseUrl);
    if (base === null || (base.protocol !== 'http:' && base.protocol !== 'https:')) {
      throw new TypeError(`baseUrl must be an http(s) URL, got ${options.baseUrl}`);
    }
    if (!Number.isInteger(options.timeoutMs) || options.timeoutMs <= 0) {
      throw new RangeError(`timeoutMs must be a whole number above 0, got ${options.timeoutMs}`);
    }
    this.url = new URL(`${base.pathname.replace(/\/$/, '')}/chat/completions`, base);
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /** Where requests go, without credentials: for logs and breaker names. */
  get destination(): string {
    return this.url.host;
  }

  /** Asks the model for the text; `signal` aborting (a breaker giving up) ends the request. */
  async complete(messages: readonly ChatMessage[], signal: AbortSignal): Promise<LlmText> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.apiKey) {
      headers.authorization = `Bearer ${this.options.apiKey}`;
    }
    const body = JSON.stringify({
      model: this.options.model,
      messages,
      temperature: 0.2,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'herald_alert_text', strict: true, schema: ANSWER_JSON_SCHEMA },
      },
    });

    let response: Response;
    let text: string;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.any([signal, timeout]),
      });
      text = await readBounded(response);
    } catch (err) {
      if (isLlmError(err)) throw err;
      if (timeout.aborted) {
        throw new LlmError(
          'LLM_TIMEOUT',
          `chat completions: no answer within ${this.options.timeoutMs} ms`,
          { cause: err },
        );
      }
      if (signal.aborted) {
        throw signal.reason;
      }
      throw new LlmError('LLM_UNAVAILABLE', 'chat completions: could not reach the endpoint', {
        cause: err,
      });
    }

    if (!response.ok) {
      throw statusError(response.status, response.headers, text, this.now());
    }
    return parseAnswer(text);
  }
}
