import type { AlertFamily } from '@herald/contracts';
import { clip } from '../text.ts';
import { explainActiveResponse } from './active-response.ts';
import { explainAgentHealth } from './agent-health.ts';
import { explainAuthentication } from './authentication.ts';
import { explainCloudAudit } from './cloud-audit.ts';
import { explainContainer } from './container.ts';
import { assetSentence, mitreSentence, type ExplainContext, type Explanation } from './context.ts';
import { explainOther } from './fallback.ts';
import { explainFileIntegrity } from './file-integrity.ts';
import { explainMalware } from './malware.ts';
import { explainPolicy } from './policy.ts';
import { explainRootcheck } from './rootcheck.ts';
import { explainVulnerability } from './vulnerability.ts';
import { explainWebAttack } from './web-attack.ts';
import { explainWindowsEvent } from './windows-event.ts';

export { describeHost, type ExplainContext, type Explanation, type HostView } from './context.ts';

/** Longest title: a subject line or chat heading, never wrapped. */
export const TITLE_MAX_CHARS = 160;
/** Longest summary or "why it matters" paragraph. */
export const PARAGRAPH_MAX_CHARS = 1_200;
/** Longest next step. */
export const STEP_MAX_CHARS = 400;
/** How many next steps an explanation gives at most. */
export const MAX_STEPS = 4;

function explainFamily(family: AlertFamily, ctx: ExplainContext): Explanation {
  switch (family) {
    case 'authentication':
      return explainAuthentication(ctx);
    case 'file-integrity':
      return explainFileIntegrity(ctx);
    case 'malware':
      return explainMalware(ctx);
    case 'rootcheck':
      return explainRootcheck(ctx);
    case 'web-attack':
      return explainWebAttack(ctx);
    case 'vulnerability':
      return explainVulnerability(ctx);
    case 'windows-event':
      return explainWindowsEvent(ctx);
    case 'cloud-audit':
      return explainCloudAudit(ctx);
    case 'container':
      return explainContainer(ctx);
    case 'policy':
      return explainPolicy(ctx);
    case 'active-response':
      return explainActiveResponse(ctx);
    case 'agent-health':
      return explainAgentHealth(ctx);
    case 'other':
      return explainOther(ctx);
    default: {
      const unreachable: never = family;
      return unreachable;
    }
  }
}

/** Adds a sentence unless the paragraph already has it (explainers may include it). */
function withSentence(paragraph: string, sentence: string | undefined): string {
  return sentence && !paragraph.includes(sentence) ? `${paragraph} ${sentence}` : paragraph;
}

/**
 * The plain-language explanation of an alert of the given family. Every explanation
 * gets the MITRE mapping and the inventory's word on the asset when known, and is held
 * to one-line titles, bounded paragraphs and at most {@link MAX_STEPS} next steps.
 */
export function explainAlert(family: AlertFamily, ctx: ExplainContext): Explanation {
  const explanation = explainFamily(family, ctx);
  const why = withSentence(
    withSentence(explanation.whyItMatters, mitreSentence(ctx.alert)),
    assetSentence(ctx),
  );
  return {
    title: clip(explanation.title, TITLE_MAX_CHARS),
    summary: clip(explanation.summary, PARAGRAPH_MAX_CHARS),
    whyItMatters: clip(why, PARAGRAPH_MAX_CHARS),
    nextSteps: explanation.nextSteps.slice(0, MAX_STEPS).map((step) => clip(step, STEP_MAX_CHARS)),
  };
}
