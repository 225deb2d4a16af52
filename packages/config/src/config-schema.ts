import { z } from 'zod';
import { ReceiverSchema } from './receivers.ts';
import { RawRouteSchema, type RawRoute } from './route-tree.ts';
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

type ConfigFile = z.output<typeof ConfigFileShape>;

function addIssue(ctx: z.RefinementCtx, path: PathKey[], message: string): void {
  ctx.addIssue({ code: 'custom', path, message });
}

function checkRoute(
  route: RawRoute,
  path: PathKey[],
  inherited: string | undefined,
  known: { receivers: Set<string>; intervals: Set<string> },
  ctx: z.RefinementCtx,
): void {
  if (route.receiver !== undefined && !known.receivers.has(route.receiver)) {
    addIssue(ctx, [...path, 'receiver'], `no receiver named '${route.receiver}'`);
  }
  const receiver = route.receiver ?? inherited;
  if (receiver === undefined && path.length > 1) {
    addIssue(ctx, path, 'needs a receiver: neither it nor a parent route names one');
  }
  for (const key of ['active_time_intervals', 'mute_time_intervals'] as const) {
    for (const [index, name] of (route[key] ?? []).entries()) {
      if (!known.intervals.has(name)) {
        addIssue(ctx, [...path, key, index], `no time interval named '${name}'`);
      }
    }
  }
  for (const [index, child] of (route.routes ?? []).entries()) {
    checkRoute(child, [...path, 'routes', index], receiver, known, ctx);
  }
}

/** Rules across the file: names unique and every name a route uses defined. */
function crossCheck(config: ConfigFile, ctx: z.RefinementCtx): void {
  const receivers = new Map<string, number>();
  for (const [index, receiver] of config.receivers.entries()) {
    const first = receivers.get(receiver.name);
    if (first !== undefined) {
      addIssue(
        ctx,
        ['receivers', index, 'name'],
        `receiver name '${receiver.name}' is already used by receivers[${first}]`,
      );
    } else {
      receivers.set(receiver.name, index);
    }
  }
  const intervals = new Set<string>();
  for (const [index, interval] of (config.time_intervals ?? []).entries()) {
    if (intervals.has(interval.name)) {
      addIssue(
        ctx,
        ['time_intervals', index, 'name'],
        `time interval name '${interval.name}' is already used`,
      );
    }
    intervals.add(interval.name);
  }
  // The root route matches every alert: matchers or continue on it would be silently meaningless.
  if (config.route.matchers !== undefined) {
    addIssue(
      ctx,
      ['route', 'matchers'],
      'the root route matches every alert: put matchers on its routes',
    );
  }
  if (config.route.continue !== undefined) {
    addIssue(
      ctx,
      ['route', 'continue'],
      'the root route has no siblings: continue belongs on its routes',
    );
  }
  checkRoute(
    config.route,
    ['route'],
    undefined,
    { receivers: new Set(receivers.keys()), intervals },
    ctx,
  );
}

/** The whole config file: shape, then the rules across its parts. */
export const ConfigFileSchema = ConfigFileShape.superRefine(crossCheck);
export type ConfigFileInput = z.input<typeof ConfigFileSchema>;
