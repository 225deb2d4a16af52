import { at, firstStr, record } from '../fields.ts';
import { quote, sentences, token } from '../text.ts';
import {
  aroundTime,
  askOwner,
  ruleQuote,
  type ExplainContext,
  type Explanation,
} from './context.ts';
import { levelMeaning } from './level.ts';

/** Docker engine events: commands run in containers, containers started, stopped, removed. */
export function explainContainer(ctx: ExplainContext): Explanation {
  const { alert, signals, host } = ctx;
  const docker = record(signals.data['docker']);
  const attributes = record(at(docker, 'Actor', 'Attributes'));
  const action = firstStr(docker?.['Action'], docker?.['status']) ?? '';
  const exec = /^exec_(start|create):\s*(.*)$/s.exec(action);
  const command = exec?.[2] ? exec[2] : undefined;
  const rawName = firstStr(attributes?.['name']);
  const name = rawName ? token(rawName) : undefined;
  const image = firstStr(attributes?.['image'], docker?.['from']);
  const id = firstStr(docker?.['id'], at(docker, 'Actor', 'ID'));
  const shortId = id && /^[0-9a-f]{12,}$/i.test(id) ? id.slice(0, 12) : undefined;
  const kind = firstStr(docker?.['Type']) ?? 'container';
  const when = aroundTime(alert);
  const container = name ? `the container ${name}` : 'a container';
  const details = [
    image ? `image ${token(image, 80)}` : undefined,
    shortId ? `id ${shortId}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  const described = `${container}${details ? ` (${details})` : ''}`;

  const summary = sentences(
    command !== undefined
      ? `Docker on ${host.described} reports that the command ${quote(command, 160)} was run inside ${described}.`
      : `Docker on ${host.described} reports ${action ? `the ${token(kind, 20)} event ${quote(action, 60)}` : `a ${token(kind, 20)} event`} for ${described}.`,
    `Wazuh's rule says: ${ruleQuote(alert)}.`,
  );

  if (command !== undefined) {
    return {
      title: `Command ${quote(command, 60)} run in container ${name ?? '(unnamed)'} on ${host.name}`,
      summary,
      whyItMatters: sentences(
        'Running a command inside a running container is how administrators troubleshoot, but it is also how someone with access to Docker explores or changes a service. Anyone who can use Docker on a machine effectively controls all of it.',
        levelMeaning(signals.rawLevel),
      ),
      nextSteps: [
        askOwner(
          ctx,
          `whether someone ran this command in ${container}${when}, for example while troubleshooting.`,
        ),
        `Find out who ran it: check who was logged in to ${host.name} then and which accounts may use Docker there (members of the docker group).`,
        `Check ${container} for changes with docker diff${name ? ` ${name}` : ''}, and recreate it from its image if anything unexpected changed.`,
      ],
    };
  }

  return {
    title: ['Docker', token(kind, 20), name, action ? quote(action, 40) : 'event', 'on', host.name]
      .filter(Boolean)
      .join(' '),
    summary,
    whyItMatters: sentences(
      'Containers starting, stopping or being removed is normal during deployments; unexpected changes can mean a crash, an outage or someone tampering with a service.',
      levelMeaning(signals.rawLevel),
    ),
    nextSteps: [
      askOwner(ctx, `whether this change to ${container}${when} was planned.`),
      `Check the container's state and logs on ${host.name} (docker ps -a and docker logs${name ? ` ${name}` : ''}).`,
    ],
  };
}
