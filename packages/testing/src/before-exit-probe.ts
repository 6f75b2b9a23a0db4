/**
 * Run as a process of its own (see {@link countBeforeExit}): imports the clock module named by
 * argv[2], reads its `turnClock` in every `beforeExit` (up to 50 times, so a clock that keeps
 * re-arming the event cannot hang the run) and prints how often the event fired.
 */
import { pathToFileURL } from 'node:url';

const modulePath = process.argv[2];
if (!modulePath) throw new TypeError('usage: before-exit-probe <clock module path>');
const { turnClock } = (await import(pathToFileURL(modulePath).href)) as {
  turnClock: () => number;
};
turnClock();
let fired = 0;
process.on('beforeExit', () => {
  fired += 1;
  if (fired < 50) turnClock();
});
process.on('exit', () => {
  process.stdout.write(`${JSON.stringify({ fired })}\n`);
});
