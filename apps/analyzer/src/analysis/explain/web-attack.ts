import { firstStr } from '../fields.ts';
import { quote, sentences, token } from '../text.ts';
import {
  addressNote,
  aroundTime,
  cveOf,
  isInternalAddress,
  ruleQuote,
  type ExplainContext,
  type Explanation,
} from './context.ts';

/** What an HTTP status says about an attack request. */
function statusMeaning(status: string): string {
  const code = `HTTP status ${status}`;
  switch (status[0]) {
    case '2':
      return `The server answered ${code} (success), so it processed the request; that alone does not prove the attack worked.`;
    case '3':
      return `The server answered ${code} (a redirect), so the request did not reach a page directly.`;
    case '4':
      return `The server answered ${code}, so it refused the request or did not find what was asked for.`;
    case '5':
      return `The server answered ${code} (an internal error): the request may have reached the application and broken something.`;
    default:
      return `The server answered ${code}.`;
  }
}

/** Attack patterns in web server access logs (SQL injection, Shellshock, scans...). */
export function explainWebAttack(ctx: ExplainContext): Explanation {
  const { alert, signals, host } = ctx;
  const srcip = firstStr(signals.data['srcip']);
  const ip = srcip ? token(srcip, 45) : undefined;
  const url = firstStr(signals.data['url']);
  const method = firstStr(signals.data['protocol']);
  const status = firstStr(signals.data['id']);
  const validStatus = status && /^\d{3}$/.test(status) ? status : undefined;
  const cve = cveOf(alert.rule['info'], alert.rule.description);
  const when = aroundTime(alert);

  const request =
    url || method
      ? `The request was ${method ? `${token(method, 10)} ` : ''}${url ? quote(url, 120) : ''}`.trimEnd() +
        '.'
      : undefined;
  const summary = sentences(
    `The web server log on ${host.described} shows a request${ip ? ` from ${ip}` : ''} that matches a known attack pattern: ${ruleQuote(alert)}.`,
    request,
    validStatus ? statusMeaning(validStatus) : undefined,
    cve ? `The rule refers to the published vulnerability ${cve}.` : undefined,
    signals.fullLog ? `The log line reads: ${quote(signals.fullLog, 220)}.` : undefined,
  );

  return {
    title: `Web attack against ${host.name}${ip ? ` from ${ip}` : ''}: ${ruleQuote(alert, 80)}`,
    summary,
    whyItMatters: sentences(
      'A web attack that works can let the attacker run commands on the server, read its data or change the site.',
      srcip ? `${addressNote(srcip)}.` : undefined,
    ),
    nextSteps: [
      `Check whether it worked: look in the web server and system logs of ${host.name}${when} for errors, new processes or outgoing connections right after the request.`,
      cve
        ? `Make sure the software affected by ${cve} is patched on ${host.name}: https://nvd.nist.gov/vuln/detail/${cve}`
        : `Make sure the web server and application on ${host.name} are up to date.`,
      ip
        ? isInternalAddress(srcip ?? '')
          ? `Find which of your machines uses ${ip}: an internal machine sending attacks may be compromised.`
          : `Block ${ip} at the firewall or web application firewall, and search your other web servers' logs for it.`
        : 'Find the source address in the web server log and block it if it is not yours.',
    ],
  };
}
