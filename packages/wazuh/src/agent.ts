import { z } from 'zod';

// Parsed leniently: every field but `id` is optional (a never-connected agent has no OS,
// the manager has no group), null reads as absent, and a number where text is expected
// (os.major) reads as its text. Fields Herald does not name pass through untouched.

/** A text field: a number reads as its text, null as absent. */
const Text = z.preprocess(
  (value) => (value === null ? undefined : typeof value === 'number' ? String(value) : value),
  z.string().optional(),
);

const AgentOs = z.looseObject({
  name: Text,
  platform: Text,
  version: Text,
  major: Text,
  minor: Text,
  codename: Text,
  arch: Text,
  uname: Text,
});

/** One agent as `GET /agents` describes it (Wazuh 4.x field names). */
export const WazuhAgentSchema = z.looseObject({
  id: z.string().min(1),
  name: Text,
  ip: Text,
  registerIP: Text,
  /** `active`, `pending`, `never_connected` or `disconnected` in 4.x. */
  status: Text,
  os: z.preprocess((value) => (value === null ? undefined : value), AgentOs.optional()),
  /** The agent's Wazuh version, e.g. `Wazuh v4.7.4`. */
  version: Text,
  manager: Text,
  node_name: Text,
  group: z.preprocess(
    (value) => (value === null ? undefined : value),
    z.array(z.string()).optional(),
  ),
  dateAdd: Text,
  lastKeepAlive: Text,
});

/** A Wazuh agent as the server API reports it. */
export type WazuhAgent = z.output<typeof WazuhAgentSchema>;

/** An agent the API could not report on, and why. */
export interface FailedAgent {
  id: string;
  reason: string;
  /** Wazuh's error code when the API gave one (1701: the agent does not exist). */
  code?: number;
}

const FailedItem = z.looseObject({
  error: z.looseObject({ code: z.number().optional(), message: z.string() }),
  id: z.array(z.union([z.string(), z.number().transform(String)])),
});

const AgentsReply = z.looseObject({
  data: z.looseObject({
    affected_items: z.array(WazuhAgentSchema),
    failed_items: z.array(FailedItem).optional(),
  }),
});

/** Where a reply broke the documented shape, in a few `path: problem` parts. */
function describeIssues(error: z.ZodError): string {
  const parts = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.map(String).join('.') || '(reply)';
    return `${path}: ${issue.message}`;
  });
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more)` : '';
  return parts.join('; ') + more;
}

/** The agents and the failures in one `GET /agents` reply. */
export interface AgentsPage {
  agents: WazuhAgent[];
  failed: FailedAgent[];
}

export type AgentsPageParse = { ok: true; page: AgentsPage } | { ok: false; problem: string };

/**
 * Reads a `GET /agents` reply body: `data.affected_items[]` and `data.failed_items[]`
 * (each failure names an error and the ids it applies to). Says where the shape is wrong
 * when it is.
 */
export function parseAgentsPage(body: unknown): AgentsPageParse {
  const result = AgentsReply.safeParse(body);
  if (!result.success) {
    return { ok: false, problem: describeIssues(result.error) };
  }
  const { affected_items: agents, failed_items: failedItems = [] } = result.data.data;
  const failed = failedItems.flatMap((item) =>
    item.id.map((id) => ({ id, reason: item.error.message, code: item.error.code })),
  );
  return { ok: true, page: { agents, failed } };
}
