import type { Enrichment } from '@herald/contracts';
import { insertAlerts, type ClaimedAlert, type Database } from '@herald/db';
import { loadCorpus } from '@herald/testkit';
import type { GroupingSettings } from './settings.ts';

/** The corpus's sshd brute force (rule 5712, agent 000, with a source IP). */
export const sshAlert = loadCorpus()[0]!.alert;

export const enrichment: Enrichment = {
  kind: 'manager',
  agent: { id: '000', name: 'localhost.localdomain' },
  sources: ['alert'],
  missing: [],
};

export const settings = (overrides: Partial<GroupingSettings> = {}): GroupingSettings => ({
  groupBy: ['rule.id', 'agent.id', 'data.srcip'],
  groupWaitMs: 0,
  groupIntervalMs: 60_000,
  repeatIntervalMs: 3_600_000,
  ...overrides,
});

/**
 * Stores `count` copies of an alert (each its own Wazuh id, hence its own row) and returns
 * them as the analyze stage would claim them.
 */
export async function seedClaimed(
  db: Pick<Database, 'pool'>,
  count: number,
  body: Record<string, unknown> = sshAlert,
  tag = 'a',
): Promise<ClaimedAlert[]> {
  const bodies = Array.from({ length: count }, (_, i) => ({ ...body, id: `${tag}.${i}` }));
  const refs = await insertAlerts(
    db,
    bodies.map((b, i) => ({ identityKey: `${tag}:${i}`, body: b })),
    { service: 'test', replica: 't' },
  );
  return refs.map((ref, i) => ({
    id: ref.id,
    claimedFrom: 'enriched',
    attempt: 1,
    retries: 0,
    lastError: null,
    body: bodies[i],
    enrichment,
    analysis: null,
  }));
}

/** A clock the test moves by hand. */
export function manualClock(start = new Date('2026-12-04T12:00:00.000Z')) {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
  };
}
