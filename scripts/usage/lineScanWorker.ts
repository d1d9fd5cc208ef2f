/**
 * A line reader's worker thread. First it reads one byte range of an export (lineScan.ts) and hands the result
 * to fastPath.ts, its arrays moved rather than copied (the hash buckets are shared, the line starts stay here).
 * Then it answers two jobs: which lines of its share of the hash buckets repeat, across all ranges; and, for
 * the lines of its own range that fastPath.ts names, what the exact rules make of them (exactLines.ts).
 * fastPath.ts then ends it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { checkRangeLines, columnBuffers, ExactJob } from './exactLines';
import { LineLayout, PlacedBuckets, repeatedHashLines, scanRange } from './lineScan';

/** the jobs after the scan */
export type LineReaderJob =
  | { kind: 'repeats'; parts: PlacedBuckets[]; from: number; to: number }
  | ({ kind: 'check' } & ExactJob);

const job = workerData as { file: string; start: number; end: number; layout: LineLayout; header: boolean };
const { offsets, ...scan } = scanRange(job.file, job.start, job.end, job.layout, job.header);
parentPort!.postMessage(scan, [
  scan.bucketStart.buffer,
  scan.slow.buffer,
  scan.groupAccount.buffer,
  scan.groupWeek.buffer,
  scan.counts.buffer
] as ArrayBuffer[]);
parentPort!.on('message', (next: LineReaderJob) => {
  if (next.kind === 'repeats') {
    const lines = Int32Array.from(repeatedHashLines(next.parts, next.from, next.to));
    parentPort!.postMessage(lines, [lines.buffer]);
    return;
  }
  checkRangeLines(job.file, offsets, job.end, job.layout, next).then(
    (checked) => parentPort!.postMessage(checked ?? null, checked ? columnBuffers(checked) : []),
    (err: unknown) => {
      throw err; // the worker's 'error' event
    }
  );
});
