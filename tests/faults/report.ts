import type { FaultSuiteResult } from './suite.ts';

/** The run's summary: the verdict line first, then its reasons and evidence. */
export function reportLines(result: FaultSuiteResult): string[] {
  const lines = [result.line];
  for (const [reason, count] of result.verdict.deadLetterReasons) {
    lines.push(`  dead-lettered ${count}: ${reason}`);
  }
  if (result.settleError) lines.push(`not settled: ${result.settleError}`);
  for (const batch of result.drive.failedBatches) {
    lines.push(
      `batch never accepted (${batch.ids.length} alerts from ${batch.ids[0]}): ${batch.last}`,
    );
  }
  for (const exit of result.unexpectedExits) {
    lines.push(`unexpected exit: ${exit.name} with ${exit.code} (restarted); its last lines:`);
    for (const line of exit.lastLines) lines.push(`    ${line.slice(0, 600)}`);
  }
  const unclean = Object.entries(result.stopCodes).filter(([, code]) => code !== 0);
  for (const [name, code] of unclean) lines.push(`SIGTERM stop of ${name} ended with ${code}`);
  if (result.verdict.unknownMessages) {
    lines.push(
      `${result.verdict.unknownMessages} messages for alerts the driver never saw accepted`,
    );
  }
  lines.push(...result.verdict.evidence);
  lines.push(`faults injected: ${result.faults.length}, seed ${result.seed}`);
  if (!result.passed || result.unexpectedExits.length > 0)
    lines.push(`logs kept in ${result.workDir}/logs`);
  return lines;
}
