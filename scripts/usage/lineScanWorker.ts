/**
 * A worker thread's whole job: read one byte range of an export (lineScan.ts) and hand the result back to
 * fastPath.ts, its arrays moved rather than copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LineLayout, scanRange } from './lineScan';

const job = workerData as { file: string; start: number; end: number; layout: LineLayout; header: boolean };
const r = scanRange(job.file, job.start, job.end, job.layout, job.header);
parentPort!.postMessage(r, [
  r.bucketStart.buffer,
  r.bucketHashes.buffer,
  r.bucketLines.buffer,
  r.offsets.buffer,
  r.slow.buffer,
  r.groupAccount.buffer,
  r.groupWeek.buffer,
  r.counts.buffer
] as ArrayBuffer[]);
