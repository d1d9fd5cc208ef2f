/**
 * Stage timings for finding where a long command spends its time: with GTM_TRACE=1 in the environment, each
 * trace() call prints the seconds since the process started and the stage to stderr; otherwise it does nothing.
 * scripts/bench/syncStages.ts turns it on.
 */
export function trace(stage: string): void {
  if (process.env.GTM_TRACE === '1')
    process.stderr.write(`  [trace ${(performance.now() / 1000).toFixed(2)} s] ${stage}\n`);
}
