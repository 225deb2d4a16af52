import { firstStr } from '../fields.ts';
import { quote, sentences, token } from '../text.ts';
import {
  aroundTime,
  askOwner,
  ruleQuote,
  type ExplainContext,
  type Explanation,
} from './context.ts';
import { levelMeaning, levelOf } from './level.ts';

/** Alerts of no known family: the rule's own words, its level, and the log line. */
export function explainOther(ctx: ExplainContext): Explanation {
  const { alert, signals, host } = ctx;
  const srcip = firstStr(signals.data['srcip']);
  const user = firstStr(signals.data['srcuser'], signals.data['dstuser'], alert['srcuser']);
  const when = aroundTime(alert);
  const involved = [
    srcip ? `source address ${token(srcip, 45)}` : undefined,
    user ? `user ${token(user)}` : undefined,
  ].filter(Boolean);

  return {
    title: `Wazuh alert on ${host.name}: ${ruleQuote(alert, 100)}`,
    summary: sentences(
      `Wazuh raised rule ${token(alert.rule.id, 12)} (${levelOf(signals.rawLevel)}) on ${host.described}: ${ruleQuote(alert)}.`,
      involved.length > 0 ? `Involved: ${involved.join(', ')}.` : undefined,
      signals.fullLog ? `The log line reads: ${quote(signals.fullLog, 220)}.` : undefined,
    ),
    whyItMatters: levelMeaning(signals.rawLevel),
    nextSteps: [
      `Open the full alert in the Wazuh dashboard (rule ${token(alert.rule.id, 12)}${alert.id ? `, alert ${token(alert.id, 40)}` : ''}) and read the event that caused it.`,
      askOwner(ctx, `whether this activity${when} was expected.`),
      'If it is expected and keeps coming, ask your Wazuh administrator to tune the rule so it stops notifying.',
    ],
  };
}
