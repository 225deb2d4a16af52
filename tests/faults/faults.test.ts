import { describe, expect, it } from 'vitest';
import { reportLines } from './report.ts';
import { runFaultSuite } from './suite.ts';

// The bounded form of `node tests/faults/run.ts`: the same suite and faults, fewer alerts.
describe('Herald under faults, five processes on private Redis and PostgreSQL', () => {
  it(
    'loses no accepted alert and sends none twice through kills, restarts, a flush and SMTP failures',
    { timeout: 300_000 },
    async () => {
      const killsPerService = 2;
      const result = await runFaultSuite({
        alerts: 300,
        durationMs: 45_000,
        killsPerService,
        settleMs: 120_000,
        seed: Math.floor(Math.random() * 2 ** 31),
        log: () => {},
      });
      const report = reportLines(result).join('\n');
      console.log(report);
      expect(
        result.faults.filter((fault) => fault.includes('FAILED')),
        report,
      ).toEqual([]);
      expect(result.faults, report).toHaveLength(10 + 5 * killsPerService);
      expect(result.drive.accepted.size, report).toBe(300);
      expect(result.settleError, report).toBeUndefined();
      expect(result.verdict.lost, report).toBe(0);
      expect(result.verdict.duplicates, report).toBe(0);
      expect(result.verdict.delivered + result.verdict.deadLettered, report).toBe(300);
      expect(result.passed, report).toBe(true);
    },
  );
});
