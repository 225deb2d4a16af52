import { z } from 'zod';
import { ReceiverSchema } from './receivers.ts';
import { RawRouteSchema } from './route-tree.ts';
import { TimeIntervalSchema } from './time-intervals.ts';
import type { PathKey } from './yaml-source.ts';

/** The config file as written, before inheritance is filled in and paths are resolved. */
const ConfigFileShape = z.strictObject({
  receivers: z.array(ReceiverSchema).min(1, 'needs at least one receiver'),
  route: RawRouteSchema,
  /** Named periods (office hours, maintenance windows) that routes refer to. */
  time_intervals: z.array(TimeIntervalSchema).optional(),
  /** The asset inventory (YAML or CSV), relative to this file's folder. */
  inventory: z.string().min(1).optional(),
});

// The cross-checks run even when the shape has problems, so one pass reports them all; they
// read the value defensively, since parts of it may be of the wrong type.
type Loose = Record<string, unknown>;

function record(value: unknown): Loose | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Loose)
    : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function addIssue(ctx: z.RefinementCtx, path: PathKey[], message: string): void {
  ctx.addIssue({ code: 'custom', path, message });
}

function checkRoute(
  route: Loose,
  path: PathKey[],
  inherited: string | undefined,
  known: { receivers: Set<string>; intervals: Set<string> },
  ctx: z.RefinementCtx,
): void {
  const own = text(route.receiver);
  if (own !== undefined && !known.receivers.has(own)) {
    addIssue(ctx, [...path, 'receiver'], `no receiver named '${own}'`);
  }
  const receiver = own ?? inherited;
  if (receiver === undefined && path.length > 1) {
    addIssue(ctx, path, 'needs a receiver: neither it nor a parent route names one');
  }
  for (const key of ['active_time_intervals', 'mute_time_intervals'] as const) {
    for (const [index, name] of list(route[key]).entries()) {
      if (typeof name === 'string' && !known.intervals.has(name)) {
        addIssue(ctx, [...path, key, index], `no time interval named '${name}'`);
      }
    }
  }
  for (const [index, child] of list(route.routes).entries()) {
    const childRoute = record(child);
    if (childRoute) checkRoute(childRoute, [...path, 'routes', index], receiver, known, ctx);
  }
}

/** Rules across the file: names unique and every name a route uses defined. */
function crossCheck(value: unknown, ctx: z.RefinementCtx): void {
  const config = record(value) ?? {};
  const receivers = new Map<string, number>();
  for (const [index, receiver] of list(config.receivers).entries()) {
    const name = text(record(receiver)?.name);
    if (name === undefined) continue;
    const first = receivers.get(name);
    if (first !== undefined) {
      addIssue(
        ctx,
        ['receivers', index, 'name'],
        `receiver name '${name}' is already used by receivers[${first}]`,
      );
    } else {
      receivers.set(name, index);
    }
  }
  const intervals = new Set<string>();
  for (const [index, interval] of list(config.time_intervals).entries()) {
    const name = text(record(interval)?.name);
    if (name === undefined) continue;
    if (intervals.has(name)) {
      addIssue(
        ctx,
        ['time_intervals', index, 'name'],
        `time interval name '${name}' is already used`,
      );
    }
    intervals.add(name);
  }
  const route = record(config.route);
  if (!route) return;
  // The root route matches every alert: matchers or continue on it would be silently meaningless.
  if (route.matchers !== undefined) {
    addIssue(
      ctx,
      ['route', 'matchers'],
      'the root route matches every alert: put matchers on its routes',
    );
  }
  if (route.continue !== undefined) {
    addIssue(
      ctx,
      ['route', 'continue'],
      'the root route has no siblings: continue belongs on its routes',
    );
  }
  checkRoute(route, ['route'], undefined, { receivers: new Set(receivers.keys()), intervals }, ctx);
}

/** The whole config file: shape, then the rules across its parts. */
export const ConfigFileSchema = ConfigFileShape.superRefine(crossCheck, { when: () => true });
export type ConfigFileInput = z.input<typeof ConfigFileSchema>;
