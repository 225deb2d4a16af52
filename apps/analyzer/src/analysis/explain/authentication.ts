import { firstStr } from '../fields.ts';
import { hasGroup, ruleIdIn, sudoCommand } from '../signals.ts';
import { capitalise, plural, quote, sentences, token } from '../text.ts';
import {
  addressNote,
  aroundTime,
  askOwner,
  isInternalAddress,
  ruleQuote,
  type ExplainContext,
  type Explanation,
} from './context.ts';

type LoginKind = 'privilege' | 'success-after-failures' | 'brute-force' | 'failure' | 'success';

interface LoginFacts {
  kind: LoginKind;
  /** The service's short name ("SSH"), when the alert shows it. */
  service: string | undefined;
  /** The service explained for a non-specialist. */
  serviceWords: string | undefined;
  srcip: string | undefined;
  /** The account the attempt was for. */
  user: string | undefined;
  /** For sudo/su: who ran it and as whom. */
  runBy: string | undefined;
  runAs: string | undefined;
  command: string | undefined;
  nonexistentUser: boolean;
  attempts: number | undefined;
}

function loginKind(ctx: ExplainContext): LoginKind {
  const { signals, alert } = ctx;
  const text = signals.description;
  if (
    hasGroup(signals, 'sudo', 'su') ||
    ['sudo', 'su'].includes(signals.program) ||
    ruleIdIn(signals, [5300, 5499])
  ) {
    return 'privilege';
  }
  // 40112 "multiple failures followed by a success", 40111 "multiple failures".
  if (ruleIdIn(signals, [40112, 40112])) {
    return 'success-after-failures';
  }
  const success = hasGroup(signals, 'authentication_success') || /success|accepted/i.test(text);
  const failures =
    hasGroup(signals, 'authentication_failures') ||
    alert.rule.frequency !== undefined ||
    ruleIdIn(signals, [40111, 40111]) ||
    /brute force|multiple/i.test(text);
  if (success) {
    return failures || /fail/i.test(text) ? 'success-after-failures' : 'success';
  }
  return failures ? 'brute-force' : 'failure';
}

function service(ctx: ExplainContext): [string | undefined, string | undefined] {
  const { signals } = ctx;
  const is = (name: string, ...ids: [number, number][]): boolean =>
    signals.program === name ||
    signals.decoder === name ||
    hasGroup(signals, name) ||
    ruleIdIn(signals, ...ids);
  if (is('sshd', [5700, 5799])) {
    return ['SSH', 'SSH (remote command-line login)'];
  }
  if (is('sudo', [5400, 5499])) {
    return ['sudo', 'sudo (running a command as another user, usually the administrator root)'];
  }
  if (is('su', [5300, 5399])) {
    return ['su', 'su (switching to another user account)'];
  }
  if (is('pam', [5500, 5599])) {
    return ['PAM', 'the system login service (PAM)'];
  }
  if ([...signals.groups].some((group) => group.startsWith('win'))) {
    return ['Windows', 'a Windows logon'];
  }
  return [undefined, undefined];
}

/** "SSH login" or "login", for titles that name the service when known. */
function loginWords(facts: LoginFacts): string {
  return facts.service ? `${facts.service} login` : 'login';
}

function readFacts(ctx: ExplainContext): LoginFacts {
  const { alert, signals } = ctx;
  const data = signals.data;
  const srcuser = firstStr(data['srcuser'], alert['srcuser']);
  const dstuser = firstStr(data['dstuser'], alert['dstuser'], data['user']);
  const kind = loginKind(ctx);
  const [name, words] = service(ctx);
  const previousLines = (alert.previous_output ?? '').split('\n').filter((line) => line.trim());
  const frequency = alert.rule.frequency;
  return {
    kind,
    service: name,
    serviceWords: words,
    srcip: firstStr(data['srcip']),
    user: dstuser ?? srcuser,
    runBy: srcuser,
    runAs: dstuser,
    command: kind === 'privilege' ? sudoCommand(ctx.signals, ctx.alert) : undefined,
    nonexistentUser:
      hasGroup(signals, 'invalid_login') ||
      /non[- ]?existent|invalid user/i.test(signals.description),
    attempts: frequency ?? (previousLines.length > 0 ? previousLines.length + 1 : undefined),
  };
}

function titleFor(ctx: ExplainContext, facts: LoginFacts): string {
  const host = ctx.host.name;
  const from = facts.srcip ? ` from ${token(facts.srcip, 45)}` : '';
  const user = facts.user ? ` for ${token(facts.user)}` : '';
  switch (facts.kind) {
    case 'privilege':
      return `${facts.service ?? 'sudo'} to ${facts.runAs ? token(facts.runAs) : 'another user'} by ${facts.runBy ? token(facts.runBy) : 'a user'} on ${host}`;
    case 'success-after-failures':
      return `${capitalise(loginWords(facts))} after repeated failures${user} on ${host}${from}`;
    case 'brute-force':
      return `${facts.service ? `${facts.service} brute force` : 'Brute force'} against ${host}${from}`;
    case 'failure':
      return `Failed ${loginWords(facts)}${user} on ${host}${from}`;
    case 'success':
      return `${capitalise(loginWords(facts))}${user} on ${host}${from}`;
    default: {
      const unreachable: never = facts.kind;
      return unreachable;
    }
  }
}

function whatHappened(ctx: ExplainContext, facts: LoginFacts): string {
  const host = ctx.host.described;
  const who = facts.srcip ? `Someone at ${token(facts.srcip, 45)}` : 'Someone';
  const via = facts.serviceWords ? ` with ${facts.serviceWords}` : '';
  const missing = facts.nonexistentUser ? ', which does not exist on that machine' : '';
  const using = facts.user ? `, using the user name ${token(facts.user)}${missing}` : '';
  const as = facts.user ? ` as ${token(facts.user)}` : '';
  switch (facts.kind) {
    case 'privilege':
      return sentences(
        `On ${host}, ${facts.runBy ? `the user ${token(facts.runBy)}` : 'a user'} used ${facts.serviceWords ?? 'sudo'} to act as ${facts.runAs ? token(facts.runAs) : 'another user'}.`,
        facts.command ? `The command was ${quote(facts.command, 160)}.` : undefined,
      );
    case 'success-after-failures':
      return `${who} logged in to ${host}${via}${as} after a series of failed attempts.`;
    case 'brute-force':
      return `${who} tried to log in to ${host}${via} ${facts.attempts ? plural(facts.attempts, 'time') : 'many times'} in a short period${using}. Trying many logins quickly is what password-guessing tools do.`;
    case 'failure':
      return `${who} failed to log in to ${host}${via}${using}.`;
    case 'success':
      return `${who} logged in to ${host}${via}${as}.`;
    default: {
      const unreachable: never = facts.kind;
      return unreachable;
    }
  }
}

function whyFor(ctx: ExplainContext, facts: LoginFacts): string {
  const manager = ctx.host.isManager
    ? 'This machine is the Wazuh manager: whoever controls it can read every alert and change the monitoring of every agent.'
    : undefined;
  const internal =
    facts.srcip && isInternalAddress(facts.srcip)
      ? `${addressNote(facts.srcip)}; that machine may itself be compromised.`
      : undefined;
  switch (facts.kind) {
    case 'privilege':
      return sentences(
        'Running commands as root gives full control of the machine. This is normal for administrators, but it is also how an intruder with a stolen password takes over a system, and the command shows what was touched.',
        manager,
      );
    case 'success-after-failures':
      return sentences(
        'A success right after many failures is the pattern of a guessed password: the attacker may now be logged in.',
        internal,
        manager,
      );
    case 'brute-force':
      return sentences(
        'Password guessing eventually works against weak or reused passwords; if one attempt succeeds, the attacker controls the account and possibly the machine.',
        internal,
        manager,
      );
    case 'failure':
      return sentences(
        'A single failed login is usually a typo or an automated scan, but failures for privileged accounts such as root, or from unknown addresses, are how password guessing starts.',
        internal,
        manager,
      );
    case 'success':
      return sentences(
        'A login is only a concern when the person, the time or the source address is unexpected.',
        manager,
      );
    default: {
      const unreachable: never = facts.kind;
      return unreachable;
    }
  }
}

function stepsFor(ctx: ExplainContext, facts: LoginFacts): string[] {
  const host = ctx.host.name;
  const ip = facts.srcip ? token(facts.srcip, 45) : undefined;
  const when = aroundTime(ctx.alert);
  const block = ip
    ? isInternalAddress(facts.srcip ?? '')
      ? `Find which of your machines uses ${ip} and check it for malware or a misused account.`
      : `Block ${ip} at the firewall unless it belongs to someone you know.`
    : undefined;
  const hardening = `Make sure ${facts.service === 'SSH' ? 'SSH accepts keys instead of passwords and' : 'accounts use strong, unique passwords and'} that root cannot log in directly.`;
  switch (facts.kind) {
    case 'privilege':
      return [
        askOwner(
          ctx,
          `whether ${facts.runBy ? token(facts.runBy) : 'the user'} was expected to run ${facts.command ? quote(facts.command, 80) : 'this command'} as ${facts.runAs ? token(facts.runAs) : 'root'}${when}.`,
        ),
        'If not, treat the account as compromised: lock it, change its password and review what else it did that day.',
        'Limit sudo rights to the commands each person needs.',
      ];
    case 'success-after-failures':
      return [
        `Confirm with ${facts.user ? `the owner of the account ${token(facts.user)}` : 'the account owner'} whether they logged in to ${host}${when}.`,
        'If they did not, lock the account, end its sessions and change its password now.',
        block ?? `Check where the login came from in the authentication log of ${host}.`,
        `Review what the account did on ${host} after logging in.`,
      ];
    case 'brute-force':
    case 'failure':
      return [
        `Check whether any login${ip ? ` from ${ip}` : ''} succeeded: look for accepted logins in the authentication log of ${host}${when}.`,
        block ?? `Find the source of the attempts in the authentication log of ${host}.`,
        hardening,
      ];
    case 'success':
      return [
        askOwner(ctx, `whether this login${when} was expected.`),
        `If it was not, lock the account and review what it did on ${host}.`,
      ];
    default: {
      const unreachable: never = facts.kind;
      return unreachable;
    }
  }
}

/** Logins, login failures, brute force and privilege use (sshd, PAM, sudo, su...). */
export function explainAuthentication(ctx: ExplainContext): Explanation {
  const facts = readFacts(ctx);
  const logLine = ctx.signals.fullLog
    ? `The log line reads: ${quote(ctx.signals.fullLog, 200)}.`
    : undefined;
  return {
    title: titleFor(ctx, facts),
    summary: sentences(
      whatHappened(ctx, facts),
      `Wazuh's rule says: ${ruleQuote(ctx.alert)}.`,
      logLine,
    ),
    whyItMatters: whyFor(ctx, facts),
    nextSteps: stepsFor(ctx, facts),
  };
}
