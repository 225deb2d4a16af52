import { describe, expect, it } from 'vitest';
import { TimeIntervalSchema, intervalHolds } from './time-intervals.ts';

describe('time intervals', () => {
  const nights = TimeIntervalSchema.parse({
    name: 'nights-and-weekends',
    time_intervals: [
      {
        times: [
          { start_time: '00:00', end_time: '07:00' },
          { start_time: '19:00', end_time: '24:00' },
        ],
        location: 'America/New_York',
      },
      { weekdays: ['saturday:sunday'], location: 'America/New_York' },
    ],
  });

  it('holds when any period holds, read in its own time zone, end exclusive', () => {
    expect(intervalHolds(nights, new Date('2026-12-02T23:30:00Z'))).toBe(false); // 18:30 New York
    expect(intervalHolds(nights, new Date('2026-12-03T00:00:00Z'))).toBe(true); // 19:00 New York
    expect(intervalHolds(nights, new Date('2026-12-02T17:00:00Z'))).toBe(false); // Wednesday 12:00
    expect(intervalHolds(nights, new Date('2026-12-05T17:00:00Z'))).toBe(true); // Saturday 12:00
    expect(intervalHolds(nights, new Date('2026-12-02T12:00:00Z'))).toBe(false); // 07:00: the end is exclusive
  });

  it('reads weekday ranges that wrap around the week', () => {
    const weekend = TimeIntervalSchema.parse({
      name: 'w',
      time_intervals: [{ weekdays: ['friday:monday'] }],
    });
    expect(intervalHolds(weekend, new Date('2026-12-07T10:00:00Z'))).toBe(true); // Monday
    expect(intervalHolds(weekend, new Date('2026-12-08T10:00:00Z'))).toBe(false); // Tuesday
  });

  it('refuses unknown zones, weekdays, clock times and reversed ranges', () => {
    const problems = (period: unknown) =>
      TimeIntervalSchema.safeParse({ name: 'x', time_intervals: [period] }).error?.issues.map(
        (i) => i.message,
      ) ?? [];
    expect(problems({ location: 'Mars/Olympus' })[0]).toContain('is not an IANA time zone');
    expect(problems({ weekdays: ['funday'] })[0]).toContain("'funday' is not a weekday");
    expect(problems({ times: [{ start_time: '8am', end_time: '18:00' }] })[0]).toContain(
      "'8am' is not a time of day",
    );
    expect(problems({ times: [{ start_time: '18:00', end_time: '08:00' }] })[0]).toBe(
      'start_time must be before end_time',
    );
  });
});
