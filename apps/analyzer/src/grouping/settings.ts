/**
 * How one receiver's messages about alerts of one group are batched, in the manner of
 * Alertmanager. The same shape as `GroupingSettings` of @herald/config's route tree, which
 * gives one per reached receiver.
 */
export interface GroupingSettings {
  /** Dotted field paths (matcher namespace) whose values together form the group key. */
  readonly groupBy: readonly string[];
  /** How long the first alert of a new group waits for company; 0 sends it at once. */
  readonly groupWaitMs: number;
  /** How often a group that keeps receiving alerts sends a digest of them. */
  readonly groupIntervalMs: number;
  /** After how long without a message a new alert of the group notifies on its own again. */
  readonly repeatIntervalMs: number;
}
