import { at, firstStr, record } from '../fields.ts';
import { isDefenderEvent } from '../signals.ts';
import { quote, sentences, token } from '../text.ts';
import {
  aroundTime,
  askOwner,
  ruleQuote,
  type ExplainContext,
  type Explanation,
} from './context.ts';
import { levelMeaning } from './level.ts';

/** Windows Installer events that record a product installed. */
const INSTALL_EVENTS = new Set(['1033', '11707']);

/** Windows event log entries that no more specific family claimed. */
export function explainWindowsEvent(ctx: ExplainContext): Explanation {
  const { alert, signals, host } = ctx;
  const system = record(at(signals.data, 'win', 'system'));
  const eventdata = record(at(signals.data, 'win', 'eventdata'));
  const eventId = firstStr(system?.['eventID']);
  const provider = firstStr(system?.['providerName']);
  const channel = firstStr(system?.['channel']);
  const computer = firstStr(system?.['computer']);
  const severity = firstStr(system?.['severityValue']);
  // Windows wraps the message in literal double quotes.
  const message = firstStr(system?.['message'])?.replace(/^"|"$/g, '');
  const account = firstStr(
    eventdata?.['targetUserName'],
    eventdata?.['subjectUserName'],
    eventdata?.['user'],
  );
  const install =
    provider === 'MsiInstaller' && eventId !== undefined && INSTALL_EVENTS.has(eventId);
  const when = aroundTime(alert);
  const logName = channel ? `the ${quote(channel, 60)} log` : 'its event log';

  const recorded = [
    eventId ? `event ${token(eventId, 10)}` : 'an event',
    provider ? `from ${quote(provider, 60)}` : undefined,
    `in ${logName}`,
    severity ? `(severity ${token(severity, 20)})` : undefined,
  ].filter(Boolean);
  const summary = sentences(
    `Windows on ${host.described}${computer ? `, computer name ${token(computer)},` : ''} recorded ${recorded.join(' ')}.`,
    `Wazuh's rule says: ${ruleQuote(alert)}.`,
    account ? `Account involved: ${token(account)}.` : undefined,
    message ? `The event message reads: ${quote(message, 240)}.` : undefined,
  );

  const whyItMatters = sentences(
    install
      ? 'New software can be a legitimate install, or a tool an attacker brought in; unapproved software is also a common way malware arrives.'
      : isDefenderEvent(signals)
        ? 'Changes to Windows Defender, such as protection being turned off or an update failing, leave the machine less protected; attackers often disable it first.'
        : undefined,
    levelMeaning(signals.rawLevel),
  );

  return {
    title: `Windows: ${ruleQuote(alert, 90)} on ${host.name}`,
    summary,
    whyItMatters,
    nextSteps: [
      askOwner(ctx, `whether this${install ? ' installation' : ''}${when} was expected.`),
      `Open Event Viewer on ${host.name}, ${logName}, and read the events${when} to see what led up to it.`,
      install
        ? 'If nobody installed it, uninstall it and find out which account did.'
        : 'If it repeats and is expected, ask your Wazuh administrator to lower the rule level so it stops notifying.',
    ],
  };
}
