import type { Analysis, Enrichment } from '@herald/contracts';
import type { Database } from '@herald/db';
import { parseWazuhTimestamp, type WazuhAlert } from '@herald/wazuh';
import { decideGroups, type GroupRequest } from './decide.ts';
import { groupLabels } from './key.ts';
import type { GroupingSettings } from './settings.ts';

/** `group_by: ['...']`, as in Alertmanager: group by everything, so no two alerts share a group. */
export const NO_GROUPING = '...';

/** A receiver an alert reached, with the route's grouping settings when routing gave them. */
export interface ReachedReceiver {
  name: string;
  grouping?: GroupingSettings | undefined;
}

/** One analysed alert on its way to its receivers. */
export interface GroupingInput {
  alertId: string;
  alert: WazuhAlert;
  enrichment: Enrichment;
  analysis: Analysis;
  receivers: readonly ReachedReceiver[];
}

/** Where an alert goes after grouping: receivers it notifies now, and groups it joined. */
export interface GroupingOutcome {
  notify: string[];
  folded: { receiver: string; groupId: string }[];
}

export interface GrouperOptions {
  db: Pick<Database, 'pool'>;
  /** Settings for a receiver whose route gave none. */
  defaults: GroupingSettings;
  now?: () => Date;
}

/** Splits each alert's receivers into those it notifies now and the groups it is folded into. */
export class Grouper {
  readonly #options: GrouperOptions;

  constructor(options: GrouperOptions) {
    this.#options = options;
  }

  /** One outcome per input, in order; one transaction per group touched. */
  async assign(inputs: readonly GroupingInput[]): Promise<GroupingOutcome[]> {
    const now = this.#options.now?.() ?? new Date();
    const requests: GroupRequest[] = [];
    const owners: number[] = [];
    const outcomes: GroupingOutcome[] = inputs.map(() => ({ notify: [], folded: [] }));
    inputs.forEach((input, index) => {
      const subject = {
        alert: input.alert,
        enrichment: input.enrichment,
        analysis: input.analysis,
      };
      const alertTime = parseWazuhTimestamp(input.alert.timestamp) ?? now;
      for (const receiver of input.receivers) {
        const settings = receiver.grouping ?? this.#options.defaults;
        if (settings.groupBy.includes(NO_GROUPING)) {
          // Every alert its own group: it notifies at once and nothing is kept.
          (outcomes[index] as GroupingOutcome).notify.push(receiver.name);
          continue;
        }
        requests.push({
          alertId: input.alertId,
          receiver: receiver.name,
          settings,
          labels: groupLabels(subject, settings.groupBy),
          alertTime,
          agent: input.alert.agent?.name,
          analysis: input.analysis,
        });
        owners.push(index);
      }
    });
    const decisions =
      requests.length > 0 ? await decideGroups(this.#options.db, requests, now) : [];
    decisions.forEach((decision, i) => {
      const outcome = outcomes[owners[i] as number] as GroupingOutcome;
      const receiver = (requests[i] as GroupRequest).receiver;
      if (decision.kind === 'notify') outcome.notify.push(receiver);
      else outcome.folded.push({ receiver, groupId: decision.groupId });
    });
    return outcomes;
  }
}

/** The history reason of an alert folded into groups, e.g. `grouped into <id> for soc`. */
export function groupedNote(folded: GroupingOutcome['folded']): string {
  return folded
    .map(({ groupId, receiver }) => `grouped into ${groupId} for ${receiver}`)
    .join('; ');
}
