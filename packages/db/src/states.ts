/**
 * The alert state machine of DESIGN.md. Every move an alert makes is checked against
 * this table before it is written, and written as a compare-and-set on the old state.
 */
export const ALERT_STATES = [
  'new',
  'enriching',
  'enriched',
  'analyzing',
  'analyzed',
  'formatting',
  'formatted',
  'sending',
  'sent',
  'error',
  'suppressed',
] as const;

export type AlertState = (typeof ALERT_STATES)[number];

/** A state in which a worker holds a claim on the alert. */
export type WorkingState = 'enriching' | 'analyzing' | 'formatting' | 'sending';

export const WORKING_STATES: readonly WorkingState[] = ['enriching', 'analyzing', 'formatting', 'sending'];

/** States an alert never leaves on its own. `error` leaves only by an explicit retry. */
export const FINAL_STATES: readonly AlertState[] = ['sent', 'suppressed', 'error'];

const ALLOWED: Readonly<Record<AlertState, readonly AlertState[]>> = {
  new: ['enriching'],
  // A working state may be re-entered: a replica takes over a claim that expired.
  enriching: ['enriching', 'enriched', 'error'],
  enriched: ['analyzing'],
  // The analyzer decides suppression (silenced, grouped, routed nowhere) while it holds
  // the alert, so it ends the journey from its working state.
  analyzing: ['analyzing', 'analyzed', 'suppressed', 'error'],
  analyzed: ['formatting', 'suppressed'],
  formatting: ['formatting', 'formatted', 'error'],
  formatted: ['sending'],
  sending: ['sending', 'sent', 'error'],
  sent: [],
  error: ['new'],
  suppressed: [],
};

/** Thrown for a move the state machine does not allow; names both states. */
export class InvalidTransitionError extends Error {
  readonly code = 'DB_INVALID_TRANSITION';
  readonly isInvalidTransitionError = true;
  readonly from: AlertState;
  readonly to: AlertState;

  constructor(from: AlertState, to: AlertState) {
    super(`invalid alert transition from '${from}' to '${to}'`);
    this.name = 'InvalidTransitionError';
    this.from = from;
    this.to = to;
  }
}

/** Guard that survives duplicate copies of this package, where `instanceof` does not. */
export function isInvalidTransitionError(err: unknown): err is InvalidTransitionError {
  return typeof err === 'object' && err !== null && 'isInvalidTransitionError' in err;
}

export function isAlertState(value: unknown): value is AlertState {
  return typeof value === 'string' && (ALERT_STATES as readonly string[]).includes(value);
}

export function canTransition(from: AlertState, to: AlertState): boolean {
  return ALLOWED[from].includes(to);
}

/** Throws InvalidTransitionError unless the state machine allows `from -> to`. */
export function assertTransition(from: AlertState, to: AlertState): void {
  if (!canTransition(from, to)) {
    throw new InvalidTransitionError(from, to);
  }
}

/** What earlier stages stored on an alert, which a claim may hand to the stage. */
export type StoredPart = 'body' | 'enrichment' | 'analysis';

/**
 * One stage of the pipeline: the state it takes alerts from, the state it holds them in
 * while working, the state it leaves them in, and the stored parts its handler reads. A
 * claim returns only those: the JSON columns are most of a claim's cost, and the sender
 * reads none of them (its messages are in the deliveries table).
 */
export interface StageStates {
  readonly input: AlertState;
  readonly working: WorkingState;
  readonly output: AlertState;
  readonly reads: readonly StoredPart[];
}

export const STAGES = {
  enrich: { input: 'new', working: 'enriching', output: 'enriched', reads: ['body'] },
  analyze: {
    input: 'enriched',
    working: 'analyzing',
    output: 'analyzed',
    reads: ['body', 'enrichment'],
  },
  format: {
    input: 'analyzed',
    working: 'formatting',
    output: 'formatted',
    reads: ['body', 'enrichment', 'analysis'],
  },
  send: { input: 'formatted', working: 'sending', output: 'sent', reads: [] },
} as const satisfies Record<string, StageStates>;

export type StageName = keyof typeof STAGES;

/** The stage whose input is `state`, if any: where an alert in that state goes next. */
export function stageForInput(state: AlertState): StageName | undefined {
  return (Object.keys(STAGES) as StageName[]).find((name) => STAGES[name].input === state);
}

/** The stage that owns a working state. */
export function stageForWorking(state: WorkingState): StageName {
  const name = (Object.keys(STAGES) as StageName[]).find((n) => STAGES[n].working === state);
  if (!name) {
    throw new RangeError(`no stage works in state '${state}'`);
  }
  return name;
}
