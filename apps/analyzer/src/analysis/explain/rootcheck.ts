import { firstStr, num } from '../fields.ts';
import { plural, quote, quoteStatement, sentences } from '../text.ts';
import { askOwner, ruleQuote, type ExplainContext, type Explanation } from './context.ts';

/** Findings of Wazuh's host anomaly and rootkit checks (rootcheck). */
export function explainRootcheck(ctx: ExplainContext): Explanation {
  const { alert, signals, host } = ctx;
  const finding = firstStr(signals.data['title']);
  const file = firstStr(signals.data['file']);
  const trojan = /trojan/i.test(`${finding ?? ''} ${signals.fullLog}`);
  const firedTimes = num(alert.rule.firedtimes);

  const summary = sentences(
    `Wazuh's rootkit and anomaly check (rootcheck) on ${host.described} reported ${finding ? quoteStatement(finding, 120) : ruleQuote(alert)}${file ? ` for ${quote(file, 120)}` : ''}.`,
    trojan
      ? 'Rootcheck looks inside system programs for text patterns known from tampered copies.'
      : undefined,
    signals.fullLog ? `The check reads: ${quote(signals.fullLog, 220)}.` : undefined,
  );

  const whyItMatters = sentences(
    trojan
      ? 'If a system program really was replaced, an attacker controls what the machine reports about itself and can hide their presence.'
      : 'Rootcheck looks for signs that a system was tampered with or is set up insecurely: hidden files and processes, rootkit traces, risky settings.',
    'These pattern checks also misfire on systems built differently, for example those using BusyBox such as Alpine Linux, so confirm before acting.',
    firedTimes && firedTimes > 4
      ? `This check has fired ${plural(firedTimes, 'time')}; the same finding on every scan points to a stable cause, often a false positive.`
      : undefined,
  );

  return {
    title: `Rootcheck: ${finding ? quoteStatement(finding, 80) : ruleQuote(alert, 80)}${file ? ` in ${quote(file, 80)}` : ''} on ${host.name}`,
    summary,
    whyItMatters,
    nextSteps: [
      file
        ? `Verify ${quote(file, 80)} against the installed package (rpm -V, debsums or apk audit) or compare its hash with the same file on a clean machine.`
        : `Verify the reported item on ${host.name} against a clean machine of the same kind.`,
      `If the file was tampered with, disconnect ${host.name} from the network and plan to rebuild it from a trusted source.`,
      'If it is a known false positive, add a rootcheck exception for it so the next real finding stands out.',
      askOwner(
        ctx,
        'whether software on the machine was recently changed or installed from outside the usual packages.',
      ),
    ],
  };
}
