/**
 * A line reader's worker thread. First it reads one byte range of an export (lineScan.ts) and hands the result
 * to fastPath.ts, its arrays moved rather than copied (the line starts stay here). Then it is told which of
 * its lines to read exactly (exactLines.ts), does so and answers; fastPath.ts then ends it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { checkRangeLines, columnBuffers, ExactJob } from './exactLines';
import { LineLayout, scanRange } from './lineScan';

const job = workerData as { file: string; start: number; end: number; layout: LineLayout; header: boolean };
const { offsets, ...scan } = scanRange(job.file, job.start, job.end, job.layout, job.header);
parentPort!.postMessage(scan, [
  scan.bucketStart.buffer,
  scan.bucketHashes.buffer,
  scan.bucketLines.buffer,
  scan.slow.buffer,
  scan.groupAccount.buffer,
  scan.groupWeek.buffer,
  scan.counts.buffer
] as ArrayBuffer[]);
parentPort!.once('message', (exact: ExactJob) => {
  checkRangeLines(job.file, offsets, job.end, job.layout, exact).then(
    (checked) => {
      parentPort!.postMessage(checked ?? null, checked ? columnBuffers(checked) : []); // then fastPath.ts ends it
    },
    (err: unknown) => {
      throw err; // the worker's 'error' event
    }
  );
});
