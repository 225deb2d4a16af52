import { excerpt, header, parseObject, replyError, type HttpClient } from './http-client.ts';
import type { HttpReceipt, HttpTransport, OutgoingPost } from './http-types.ts';

/** The reason in a Power Automate error body (`{error: {code, message}}`), else the body. */
function teamsReason(text: string, status: number): string {
  const error = parseObject(text)?.error as { code?: unknown; message?: unknown } | undefined;
  if (error && typeof error === 'object') {
    const parts = [error.code, error.message].filter((part) => typeof part === 'string');
    if (parts.length > 0) return excerpt(parts.join(': '));
  }
  return excerpt(text) || `HTTP ${status}`;
}

/**
 * Microsoft Teams through a Workflows (Power Automate) webhook: the flow takes the
 * message with 202 Accepted (200 from some triggers) and posts the Adaptive Card itself;
 * errors come as 4xx/5xx with `{error: {code, message}}`, and 429 with Retry-After. The
 * run id header, when present, is the receipt's id.
 */
export class TeamsTransport implements HttpTransport {
  readonly #client: HttpClient;
  readonly #url: string;

  constructor(client: HttpClient, options: { webhookUrl: string }) {
    this.#client = client;
    this.#url = options.webhookUrl;
  }

  async send(message: OutgoingPost, signal: AbortSignal): Promise<HttpReceipt> {
    const reply = await this.#client.postJson(
      this.#url,
      JSON.stringify(message.payload),
      {},
      signal,
    );
    if (reply.status === 200 || reply.status === 202) {
      const runId = header(reply, 'x-ms-workflow-run-id');
      return {
        transport: 'teams',
        status: reply.status,
        ...(runId ? { id: runId } : {}),
        acceptedAt: new Date().toISOString(),
      };
    }
    throw replyError(this.#client, 'Teams workflow', reply, teamsReason(reply.text, reply.status));
  }
}
