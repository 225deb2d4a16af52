import { firstStr, num, record } from '../fields.ts';
import { quote, quoteStatement, sentences, token } from '../text.ts';
import { askOwner, ruleQuote, type ExplainContext, type Explanation } from './context.ts';

/** Security configuration assessment (SCA) results: one check, or a scan summary. */
export function explainPolicy(ctx: ExplainContext): Explanation {
  const { alert, signals, host } = ctx;
  const sca = record(signals.data['sca']);
  const check = record(sca?.['check']);
  const policy = firstStr(sca?.['policy']);
  const policyText = policy ? quote(policy, 100) : 'its security policy';

  if (!check) {
    const score = num(sca?.['score']);
    const failed = num(sca?.['failed']);
    return {
      title: `Policy scan on ${host.name}${score !== undefined ? `: score ${score}%` : ''}`,
      summary: sentences(
        `Wazuh's configuration assessment (SCA) checked ${host.described} against ${policyText}.`,
        score !== undefined
          ? `It scored ${score}%${failed !== undefined ? ` with ${failed} failed checks` : ''}.`
          : undefined,
        `Wazuh's rule says: ${ruleQuote(alert)}.`,
      ),
      whyItMatters:
        'This is a hardening report, not an attack: it measures how far the machine settings are from a recommended secure baseline.',
      nextSteps: [
        `Open the SCA results of ${host.name} in the Wazuh dashboard and fix the failed checks, starting with the ones marked most important.`,
        askOwner(ctx, 'which settings differ on purpose, so they can be recorded as exceptions.'),
      ],
    };
  }

  const id = firstStr(check['id']);
  const title = firstStr(check['title']);
  const result = firstStr(check['result']) ?? 'changed';
  const previous = firstStr(check['previous_result']);
  const rationale = firstStr(check['rationale']);
  const remediation = firstStr(check['remediation']);
  const failed = /fail/i.test(result);
  const checkName =
    `${id ? `check ${token(id, 20)} ` : 'a check '}${title ? quoteStatement(title, 160) : ''}`.trimEnd();
  const resultWord = failed ? 'failed' : /pass/i.test(result) ? 'passed' : quote(result, 30);

  const summary = sentences(
    `Wazuh's configuration assessment (SCA) checked ${host.described} against ${policyText}.`,
    `The result of ${checkName} is now ${resultWord}${previous ? `; before it was ${quote(previous, 30)}` : ''}.`,
  );

  if (!failed) {
    return {
      title: `Policy check ${resultWord} on ${host.name}: ${title ? quoteStatement(title, 90) : ruleQuote(alert, 90)}`,
      summary,
      whyItMatters:
        'Nothing to fix: a setting now matches the recommended baseline, or the check no longer applies.',
      nextSteps: [
        'No action is needed if the change was made on purpose.',
        askOwner(ctx, 'whether this change was part of planned hardening work.'),
      ],
    };
  }

  return {
    title: `Policy check failed on ${host.name}: ${title ? quoteStatement(title, 90) : ruleQuote(alert, 90)}`,
    summary,
    whyItMatters: sentences(
      'This is a hardening finding, not an attack: a setting differs from the recommended secure baseline, which makes an attack easier.',
      rationale ? `The benchmark explains: ${quoteStatement(rationale, 300)}.` : undefined,
    ),
    nextSteps: [
      remediation
        ? `Apply the benchmark's fix, which reads: ${quoteStatement(remediation, 300)}.`
        : `Apply the fix that ${policyText} gives for ${id ? `check ${token(id, 20)}` : 'this check'}.`,
      askOwner(
        ctx,
        'whether the setting differs on purpose; if so, record an exception so the check stops alerting.',
      ),
      `After the change, confirm in the next SCA scan of ${host.name} that the check passes.`,
    ],
  };
}
