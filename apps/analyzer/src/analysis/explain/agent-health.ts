import {
  fromProgram,
  hasGroup,
  integrationError,
  ruleIdIn,
  type IntegrationError,
} from '../signals.ts';
import { capitalise, quote, sentences, token } from '../text.ts';
import {
  aroundTime,
  askOwner,
  ruleQuote,
  type ExplainContext,
  type Explanation,
} from './context.ts';
import { levelMeaning } from './level.ts';

type AgentEvent = 'stopped' | 'disconnected' | 'removed' | 'started';

/** The stock rules of agent lifecycle events (0015-ossec_rules). */
const AGENT_EVENT_RULES: Record<string, AgentEvent> = {
  '501': 'started',
  '503': 'started',
  '504': 'disconnected',
  '505': 'removed',
  '506': 'stopped',
};

/** Agent lifecycle events, told apart by their wording or, if trimmed, their rule id. */
function agentEvent(ctx: ExplainContext): AgentEvent | undefined {
  const text = `${ctx.signals.description} ${ctx.signals.fullLog}`;
  const match = /agent (stopped|disconnected|removed|started)|(new) ossec agent connected/i.exec(
    text,
  );
  if (match) {
    return (match[1] ?? 'started').toLowerCase() as AgentEvent;
  }
  return AGENT_EVENT_RULES[ctx.alert.rule.id];
}

const AGENT_WORDS: Record<AgentEvent, { summary: string; why: string }> = {
  stopped: {
    summary: 'stopped and told the manager it was shutting down',
    why: 'While the agent is stopped, Wazuh sees nothing that happens on that machine: no logs, no file checks, no malware alerts. Attackers stop security agents to hide what they do next.',
  },
  disconnected: {
    summary:
      'stopped sending its regular keep-alive messages, so the manager marked it disconnected',
    why: 'A disconnected agent usually means the machine is off, asleep or offline; while it is disconnected, Wazuh cannot see what happens on it. If nobody expected it, the agent may have been stopped or blocked on purpose.',
  },
  removed: {
    summary: 'was removed from the manager',
    why: 'A removed agent is no longer monitored at all; removing agents is an administrator task, so it should match planned work.',
  },
  started: {
    summary: 'started and connected to the manager',
    why: 'This is normal after a reboot, an install or an upgrade; unexpected restarts can mean someone is changing the machine.',
  },
};

function explainAgentEvent(ctx: ExplainContext, event: AgentEvent): Explanation {
  const { host, alert } = ctx;
  const when = aroundTime(alert);
  const words = AGENT_WORDS[event];
  const steps =
    event === 'started'
      ? [
          askOwner(ctx, `whether a reboot, install or upgrade happened${when}.`),
          `If not, check the system log of ${host.name} for what restarted it.`,
        ]
      : [
          askOwner(
            ctx,
            `whether the machine or its Wazuh agent was ${event === 'removed' ? 'removed' : 'stopped or switched off'} on purpose${when} (maintenance, upgrade, shutdown).`,
          ),
          event === 'disconnected'
            ? `If the machine is running, check that the Wazuh agent service runs on it and can reach the manager (port 1514).`
            : `If not, find out who did it: check the service and system logs of ${host.name}${event === 'removed' ? ' and the Wazuh manager API log' : ''}.`,
          `Confirm that ${host.name} shows as active in the Wazuh dashboard again.`,
        ];
  return {
    title: `Wazuh agent ${host.name} ${event}`,
    summary: sentences(
      `The Wazuh agent on ${host.described} ${words.summary}.`,
      `Wazuh's rule says: ${ruleQuote(alert)}.`,
    ),
    whyItMatters: words.why,
    nextSteps: steps,
  };
}

function explainIntegrationError(ctx: ExplainContext, error: IntegrationError): Explanation {
  const { host, alert } = ctx;
  const name =
    error.integration.toLowerCase() === 'virustotal' ? 'VirusTotal' : token(error.integration, 30);
  const message = error.message ?? alert.rule.description;
  const credentials = error.code === '403' || /credential/i.test(message);
  const rateLimit = error.code === '204' || /rate limit/i.test(message);
  return {
    title: `${name} integration error on ${host.name}: ${quote(message, 60)}`,
    summary: sentences(
      `${capitalise(host.described)} tried to use the ${name} integration and got the error ${quote(message, 100)}${error.code ? ` (code ${token(error.code, 10)})` : ''}.`,
      credentials ? 'The service refused the API key (credentials) it was given.' : undefined,
    ),
    whyItMatters: sentences(
      credentials
        ? `Until the key is fixed, no file is checked by ${name}, so its malware alerts are missing.`
        : rateLimit
          ? `${name} limits how many requests a key may make per minute; files beyond that limit are not checked.`
          : `While the integration fails, the checks it adds are missing from Wazuh.`,
    ),
    nextSteps: credentials
      ? [
          `Compare the api_key in the ${name} integration block of ossec.conf on the manager with the key shown in your ${name} account.`,
          'After fixing it, restart the Wazuh manager and watch logs/integrations.log for new errors.',
          'If the key is right, check that the account is not blocked or over its quota.',
        ]
      : rateLimit
        ? [
            'Reduce what is sent (monitor fewer paths in real time) or use a key with a higher limit.',
            'Watch logs/integrations.log on the manager for further limit errors.',
          ]
        : [
            `Read logs/integrations.log on the manager for the cause of the ${name} error.`,
            'Fix the integration settings in ossec.conf and restart the Wazuh manager.',
          ],
  };
}

function explainScannerStatus(ctx: ExplainContext): Explanation {
  const { host, alert, signals } = ctx;
  const state = /stop|error|warning|restart|updat/i.exec(signals.description)?.[0]?.toLowerCase();
  const stopped = state === 'stop';
  const problem = stopped || state === 'error' || state === 'warning';
  const when = aroundTime(alert);
  return {
    title: `Antivirus ClamAV on ${host.name}: ${ruleQuote(alert, 60)}`,
    summary: sentences(
      `ClamAV, the antivirus on ${host.described}, reported ${ruleQuote(alert)}.`,
      signals.fullLog ? `The log line reads: ${quote(signals.fullLog, 200)}.` : undefined,
    ),
    whyItMatters: sentences(
      stopped
        ? 'While ClamAV is stopped, files on this machine are not scanned for malware. Stopping protection tools is a known attacker step, though updates and restarts also stop it briefly.'
        : problem
          ? 'ClamAV reported a problem, which can leave files unscanned.'
          : 'This is routine antivirus housekeeping.',
    ),
    nextSteps: problem
      ? [
          `Check that ClamAV runs again on ${host.name} (for example systemctl status clamav-daemon).`,
          `If no update or restart explains it, find out from the system log of ${host.name}${when} who or what ${stopped ? 'stopped it' : 'caused it'}.`,
          askOwner(ctx, 'whether maintenance was going on.'),
        ]
      : [
          'No action is needed.',
          'If these messages are too frequent, ask your Wazuh administrator to stop notifying on them.',
        ],
  };
}

/** Wazuh's own health: agents stopping or disconnecting, failing integrations, scanners. */
export function explainAgentHealth(ctx: ExplainContext): Explanation {
  const error = integrationError(ctx.signals);
  if (error) {
    return explainIntegrationError(ctx, error);
  }
  if (
    hasGroup(ctx.signals, 'clamd', 'freshclam') ||
    fromProgram(ctx.signals, 'clamd', 'freshclam') ||
    ruleIdIn(ctx.signals, [52503, 52510])
  ) {
    return explainScannerStatus(ctx);
  }
  const event = agentEvent(ctx);
  if (event) {
    return explainAgentEvent(ctx, event);
  }

  const { host, alert, signals } = ctx;
  return {
    title: `Wazuh health on ${host.name}: ${ruleQuote(alert, 90)}`,
    summary: sentences(
      `Wazuh reported a problem with its own monitoring of ${host.described}: ${ruleQuote(alert)}.`,
      signals.fullLog ? `The log line reads: ${quote(signals.fullLog, 200)}.` : undefined,
    ),
    whyItMatters: sentences(
      'Problems in Wazuh itself leave gaps: events may be lost or a machine may go unwatched.',
      levelMeaning(signals.rawLevel),
    ),
    nextSteps: [
      `Check the status of the Wazuh agent on ${host.name} and its log (ossec.log) for the cause.`,
      'Fix the cause named in the alert, then confirm that alerts from this machine arrive normally again.',
    ],
  };
}
