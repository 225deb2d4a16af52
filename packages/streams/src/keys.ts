/** The four stage streams, in pipeline order. */
export const STAGE_STREAMS = ['enrich', 'analyze', 'format', 'send'] as const;
export type StageStream = (typeof STAGE_STREAMS)[number];

/**
 * Every key of one Herald install shares the hash tag `{namespace}`, so commands and
 * scripts that touch several keys (XADD to a dead-letter stream and XACK the source)
 * stay in one Redis Cluster slot.
 */
export function streamKey(namespace: string, stream: StageStream): string {
  return `{${namespace}}:${stream}`;
}

/** Where entries of `stream` go after too many failed deliveries. */
export function deadLetterKey(namespace: string, stream: StageStream): string {
  return `{${namespace}}:${stream}:dead`;
}

/** The consumer group of a stage: all replicas of the stage share it. */
export function groupName(stream: StageStream): string {
  return `${stream}-workers`;
}
