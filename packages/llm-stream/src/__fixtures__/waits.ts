import { setTimeout as sleep } from 'node:timers/promises';
import type { StreamEndEvent } from '../stream-event.js';
import type { StreamManager } from '../stream-manager.js';

/** Waits until `count()` stops changing for 200 ms (up to 10 s) and returns its value. */
export async function stalled(count: () => number): Promise<number> {
  let last = count();
  for (let waited = 0; waited < 10_000; waited += 200) {
    await sleep(200);
    if (count() === last) return last;
    last = count();
  }
  return last;
}

/** The end event of the next stream of `manager` to end. */
export function nextEnd(manager: StreamManager): Promise<StreamEndEvent> {
  return new Promise((resolve) => {
    manager.once('complete', resolve).once('error', resolve).once('cancelled', resolve);
  });
}
