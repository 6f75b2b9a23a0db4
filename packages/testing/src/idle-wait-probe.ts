/**
 * Run as a process of its own (see {@link readAcrossIdleWait}), whose event loop has nothing
 * else to do, so it really waits for I/O in its poll phase: imports the clock module named by
 * argv[2], reads its `turnClock` in a timer callback, then again in the callback of a worker's
 * message that arrives 100 ms later, and prints both readings as one JSON line.
 */
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const modulePath = process.argv[2];
if (!modulePath) throw new TypeError('usage: idle-wait-probe <clock module path>');
const { turnClock } = (await import(pathToFileURL(modulePath).href)) as {
  turnClock: () => number;
};
const worker = new Worker(
  `const { parentPort } = require('node:worker_threads');
   parentPort.on('message', () => {
     Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
     parentPort.postMessage('done');
   });`,
  { eval: true },
);
await new Promise((resolve) => worker.once('online', resolve));
let asked = 0;
const answered = await new Promise<number>((resolve) => {
  worker.once('message', () => resolve(turnClock()));
  setTimeout(() => {
    asked = turnClock();
    worker.postMessage('go');
  }, 0);
});
await worker.terminate();
process.stdout.write(`${JSON.stringify({ asked, answered })}\n`);
