/** The three states callers and dashboards see. */
export type BreakerStateName = 'closed' | 'open' | 'half-open';

/** A half-open trial call in flight; its deadline bounds when its slot frees up. */
export interface TrialTicket {
  readonly deadline: number;
}

/**
 * The breaker's internal state. `isolated` is an operator's hold: it looks `open` from
 * outside but never moves to half-open by itself.
 */
export type CircuitState =
  | { readonly kind: 'closed' }
  | { readonly kind: 'open'; readonly openUntil: number }
  | { readonly kind: 'isolated' }
  | {
      readonly kind: 'half-open';
      /** Trial calls admitted and not yet settled; never more than `halfOpenMaxCalls`. */
      readonly trials: Set<TrialTicket>;
      /** Trial successes so far; `halfOpenSuccessesToClose` of them close the breaker. */
      successes: number;
    };

/** The name a state is reported under. */
export function stateName(state: CircuitState): BreakerStateName {
  switch (state.kind) {
    case 'closed':
      return 'closed';
    case 'open':
    case 'isolated':
      return 'open';
    case 'half-open':
      return 'half-open';
    default: {
      const unreachable: never = state;
      throw new Error(`unknown breaker state ${JSON.stringify(unreachable)}`);
    }
  }
}
