import { loadCorpusAlerts } from './helpers.ts';

/** What the driver got the API to accept. */
export interface DriveResult {
  /** Wazuh alert id sent -> Herald id from the 202. */
  accepted: Map<string, string>;
  /** Batches never answered 202 within their bound, with the last answer or error. */
  failedBatches: { ids: string[]; last: string }[];
  /** Requests that failed or were answered other than 202 and were sent again. */
  retries: number;
}

/** `count` alerts built from the corpus, each with its own Wazuh id `<runId>.<n>`. */
export function derivedAlerts(runId: string, count: number): { id: string; line: string }[] {
  const corpus = loadCorpusAlerts();
  return Array.from({ length: count }, (_, n) => {
    const id = `${runId}.${n}`;
    return { id, line: JSON.stringify({ ...corpus[n % corpus.length]!, id }) };
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Posts the alerts as NDJSON batches spread evenly over `spreadMs`. A batch that fails
 * (connection refused during a kill, 5xx while PostgreSQL restarts, 429/503) is sent again
 * until it is answered 202 or `batchDeadlineMs` has passed: ingest is idempotent, so a
 * batch stored before its answer was lost comes back with the same ids.
 */
export async function driveAlerts(options: {
  apiUrl: string;
  apiKey: string;
  alerts: { id: string; line: string }[];
  batchSize: number;
  spreadMs: number;
  batchDeadlineMs: number;
}): Promise<DriveResult> {
  const result: DriveResult = { accepted: new Map(), failedBatches: [], retries: 0 };
  const batches: { id: string; line: string }[][] = [];
  for (let i = 0; i < options.alerts.length; i += options.batchSize) {
    batches.push(options.alerts.slice(i, i + options.batchSize));
  }
  const interval = batches.length > 1 ? options.spreadMs / (batches.length - 1) : 0;

  async function send(batch: { id: string; line: string }[]): Promise<void> {
    const deadline = Date.now() + options.batchDeadlineMs;
    let last = 'not sent';
    while (Date.now() < deadline) {
      let retryAfterMs = 250;
      try {
        const response = await fetch(`${options.apiUrl}/v1/alerts`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${options.apiKey}`,
            'content-type': 'application/x-ndjson',
          },
          body: `${batch.map((a) => a.line).join('\n')}\n`,
          signal: AbortSignal.timeout(15_000),
        });
        const text = await response.text();
        if (response.status === 202) {
          const body = JSON.parse(text) as { accepted: { index: number; id: string }[] };
          for (const { index, id } of body.accepted) result.accepted.set(batch[index]!.id, id);
          return;
        }
        last = `${response.status} ${text.slice(0, 200)}`;
        const retryAfter = Number(response.headers.get('retry-after'));
        if (retryAfter > 0) retryAfterMs = Math.min(retryAfter * 1000, 5000);
      } catch (err) {
        last = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      }
      result.retries += 1;
      await sleep(retryAfterMs);
    }
    result.failedBatches.push({ ids: batch.map((a) => a.id), last });
  }

  const start = Date.now();
  const inFlight: Promise<void>[] = [];
  for (const [index, batch] of batches.entries()) {
    const due = start + index * interval;
    if (due > Date.now()) await sleep(due - Date.now());
    inFlight.push(send(batch));
  }
  await Promise.all(inFlight);
  return result;
}
