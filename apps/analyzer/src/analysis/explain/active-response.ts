import { at, firstStr, num, record } from '../fields.ts';
import { ruleIdIn } from '../signals.ts';
import { quote, sentences, token } from '../text.ts';
import {
  addressNote,
  isInternalAddress,
  ruleQuote,
  type ExplainContext,
  type Explanation,
} from './context.ts';

/** Stock active-response scripts that block an address. */
const BLOCKING =
  /^(firewall-drop|host-deny|route-null|win_route-null|netsh|pf|ipfw|npf|firewalld-drop)/;

/** What triggered the response: the alert nested in data.parameters.alert. */
function triggerSentence(trigger: Record<string, unknown> | undefined): string | undefined {
  const description = firstStr(at(trigger, 'rule', 'description'));
  if (!description) {
    return undefined;
  }
  const id = firstStr(at(trigger, 'rule', 'id'));
  // Nested alerts carry stringified scalars ("level": "5"), hence num().
  const level = num(at(trigger, 'rule', 'level'));
  const user = firstStr(at(trigger, 'data', 'srcuser'), at(trigger, 'data', 'dstuser'));
  const ruleRef = [
    id ? `rule ${token(id, 12)}` : undefined,
    level !== undefined ? `level ${level}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  return `It reacted to the alert ${quote(description, 120)}${ruleRef ? ` (${ruleRef})` : ''}${user ? ` about the user ${token(user)}` : ''}.`;
}

/** Wazuh's automatic responses: an address blocked or unblocked, a script run. */
export function explainActiveResponse(ctx: ExplainContext): Explanation {
  const { alert, signals, host } = ctx;
  const data = signals.data;
  const trigger = record(at(data, 'parameters', 'alert'));
  const programPath = firstStr(at(data, 'parameters', 'program'), data['script'], data['program']);
  const program = programPath
    ?.split(/[\\/]/)
    .pop()
    ?.replace(/\.(sh|cmd|exe|py)$/, '');
  const command = (firstStr(data['command'], data['type']) ?? '').toLowerCase();
  const srcip = firstStr(data['srcip'], at(trigger, 'data', 'srcip'));
  const ip = srcip ? token(srcip, 45) : undefined;
  // Stock rules 601-606 and 651-656 block (odd ids) and unblock (even ids) an address.
  const stockRule = ruleIdIn(signals, [601, 606], [651, 656]) ? Number(alert.rule.id) : undefined;
  const blocking = program
    ? BLOCKING.test(program)
    : /blocked/i.test(alert.rule.description) || stockRule !== undefined;
  const lifted =
    command === 'delete' ||
    /unblocked/i.test(alert.rule.description) ||
    (command === '' && stockRule !== undefined && stockRule % 2 === 0);
  const programText = program ? token(program, 40) : undefined;
  const triggerText = triggerSentence(trigger);
  const triggerId = firstStr(at(trigger, 'rule', 'id'));

  if (!blocking) {
    return {
      title: `Wazuh ran ${programText ? `the active response ${programText}` : 'an active response'} on ${host.name}`,
      summary: sentences(
        `Wazuh's automatic response ran ${programText ?? 'a response script'}${command ? ` (${quote(command, 20)})` : ''} on ${host.described}.`,
        triggerText,
        `Wazuh's rule says: ${ruleQuote(alert)}.`,
      ),
      whyItMatters:
        'Wazuh acted on its own, as configured, to contain a threat; automatic actions can also disrupt legitimate users or services.',
      nextSteps: [
        `Check the alert that triggered the response${triggerId ? ` (rule ${token(triggerId, 12)})` : ''} and whether the action was appropriate.`,
        `Confirm that ${host.name} and its services still work as expected.`,
      ],
    };
  }

  const verb = lifted ? 'unblocked' : 'blocked';
  const summary = sentences(
    lifted
      ? `Wazuh's automatic response${programText ? ` ${programText}` : ''} lifted its block${ip ? ` on ${ip}` : ''} on ${host.described}.`
      : `Wazuh's automatic response ran ${programText ?? 'a blocking script'} on ${host.described} to block ${ip ? `the address ${ip}` : 'an address'}.`,
    triggerText ?? `Wazuh's rule says: ${ruleQuote(alert)}.`,
    lifted
      ? undefined
      : 'Such blocks are usually lifted automatically after the configured timeout.',
  );
  const internal =
    srcip && isInternalAddress(srcip)
      ? `${addressNote(srcip)}; it may be compromised or misconfigured.`
      : undefined;

  return {
    title: `Wazuh ${verb} ${ip ?? 'an address'} on ${host.name}${program ? ` (${token(program, 40)})` : ''}`,
    summary,
    whyItMatters: lifted
      ? sentences(
          'The earlier block has expired: if the source is still hostile it can try again.',
          internal,
        )
      : sentences(
          'The source was cut off automatically, so the immediate threat is contained; but the block is temporary, and if the address is a colleague or one of your own systems, they are now locked out.',
          internal,
        ),
    nextSteps: lifted
      ? [
          `Watch for new alerts from ${ip ?? 'the address'} now that the block is lifted.`,
          `Block it permanently at your perimeter firewall if it attacks again.`,
        ]
      : [
          `Check the alert that triggered the block${triggerId ? ` (rule ${token(triggerId, 12)})` : ''} and whether any attempt from ${ip ?? 'the address'} succeeded before it.`,
          srcip && isInternalAddress(srcip)
            ? `Find which of your machines uses ${ip} and check it for malware or a misused account.`
            : `If ${ip ?? 'the address'} keeps coming back, block it permanently at your perimeter firewall.`,
          `Make sure the address is not one of your own services or a colleague; if it is, lift the block and adjust the rule that triggered it.`,
        ],
  };
}
