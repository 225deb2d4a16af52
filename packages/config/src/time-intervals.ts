import { z } from 'zod';

const WEEKDAYS = [
  'sunday',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
] as const;
const CLOCK = /^([01]\d|2[0-4]):([0-5]\d)$/;

function minutesOf(text: string): number | undefined {
  const match = CLOCK.exec(text);
  if (!match) return undefined;
  const minutes = Number(match[1]) * 60 + Number(match[2]);
  return minutes <= 24 * 60 ? minutes : undefined;
}

const Clock = z.string().transform((text, ctx) => {
  const minutes = minutesOf(text);
  if (minutes === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `'${text}' is not a time of day: write HH:MM, 00:00 to 24:00`,
    });
    return z.NEVER;
  }
  return minutes;
});

/** `monday`, or an inclusive range `monday:friday` (a range may wrap: `friday:monday`). */
const WeekdayRange = z.string().transform((text, ctx) => {
  const [from = '', to = from, extra] = text
    .toLowerCase()
    .split(':')
    .map((part) => part.trim());
  const start = WEEKDAYS.indexOf(from as (typeof WEEKDAYS)[number]);
  const end = WEEKDAYS.indexOf(to as (typeof WEEKDAYS)[number]);
  if (extra !== undefined || start < 0 || end < 0) {
    ctx.addIssue({
      code: 'custom',
      message: `'${text}' is not a weekday or a range such as monday:friday`,
    });
    return z.NEVER;
  }
  const days = new Set<number>();
  for (let day = start; ; day = (day + 1) % 7) {
    days.add(day);
    if (day === end) break;
  }
  return days;
});

const TimeZone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'is not an IANA time zone (e.g. Europe/Paris, America/New_York, UTC)');

const TimeRange = z
  .strictObject({ start_time: Clock, end_time: Clock })
  .refine((range) => range.start_time < range.end_time, 'start_time must be before end_time');

/** One period of a named interval, as in Alertmanager: every field given must hold. */
const TimePeriod = z.strictObject({
  times: z.array(TimeRange).min(1).optional(),
  weekdays: z.array(WeekdayRange).min(1).optional(),
  /** The zone the times and weekdays are read in. */
  location: TimeZone.default('UTC'),
});

/** A named set of periods (office hours, a maintenance window) that routes refer to. */
export const TimeIntervalSchema = z.strictObject({
  name: z.string().min(1),
  time_intervals: z.array(TimePeriod).min(1),
});

export type TimeInterval = z.output<typeof TimeIntervalSchema>;
type TimePeriod = z.output<typeof TimePeriod>;

// One formatter per zone: building one costs far more than using it, and routes run per alert.
const clocks = new Map<string, Intl.DateTimeFormat>();

function clockIn(zone: string): Intl.DateTimeFormat {
  let clock = clocks.get(zone);
  if (!clock) {
    clock = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      weekday: 'long',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    clocks.set(zone, clock);
  }
  return clock;
}

function periodHolds(period: TimePeriod, now: Date): boolean {
  const parts = clockIn(period.location).formatToParts(now);
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  const weekday = WEEKDAYS.indexOf(part('weekday').toLowerCase() as (typeof WEEKDAYS)[number]);
  const minute = Number(part('hour')) * 60 + Number(part('minute'));
  if (period.weekdays && !period.weekdays.some((days) => days.has(weekday))) {
    return false;
  }
  if (
    period.times &&
    !period.times.some((range) => minute >= range.start_time && minute < range.end_time)
  ) {
    return false;
  }
  return true;
}

/** True when `now` falls in any period of the interval (end times are exclusive). */
export function intervalHolds(interval: TimeInterval, now: Date): boolean {
  return interval.time_intervals.some((period) => periodHolds(period, now));
}
