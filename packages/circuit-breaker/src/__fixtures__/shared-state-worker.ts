/**
 * One "instance" for the multi-process shared-state test: a breaker backed by the Redis
 * store, driven by the parent process over IPC.
 * argv: <redis url> <key prefix> <instance id> <quorum> <open duration ms>
 */
import { Redis } from 'ioredis';
import { createCircuitBreaker } from '../circuit-breaker.js';
import { createRedisBreakerStore } from '../redis-breaker-store.js';

const [url = '', prefix = '', instanceId = '', quorum = '2', openDurationMs = '500'] =
  process.argv.slice(2);

export interface WorkerCommand {
  readonly id: number;
  readonly command: 'fail' | 'call' | 'probe' | 'state' | 'exit';
  readonly times?: number;
}

export interface WorkerReply {
  readonly id: number;
  readonly state: string;
  readonly degraded: boolean;
  /** For `call` and `probe`: whether the function ran. */
  readonly ran?: boolean;
  /** For `call` and `probe`: whether the breaker rejected the call. */
  readonly rejected?: boolean;
}

const client = new Redis(url, { maxRetriesPerRequest: 1 });
// The store reports Redis loss through its own events; keep ioredis' noise out of the output.
client.on('error', () => undefined);
const store = createRedisBreakerStore({
  client,
  prefix,
  instanceId,
  quorum: Number(quorum),
  syncIntervalMs: 50,
  commandTimeoutMs: 500,
});
const breaker = createCircuitBreaker({
  name: 'anthropic:claude',
  failureThreshold: 2,
  openDurationMs: Number(openDurationMs),
  halfOpenSuccessThreshold: 1,
  store,
});

process.on('message', async (message: WorkerCommand) => {
  let ran = false;
  let rejected = false;
  switch (message.command) {
    case 'fail':
      for (let index = 0; index < (message.times ?? 1); index++) {
        await breaker
          .execute(() => Promise.reject(new Error('upstream 503')))
          .catch(() => undefined);
      }
      break;
    case 'call':
    case 'probe': {
      const result = await breaker.tryExecute(async () => {
        ran = true;
        // A probe takes long enough for the other instances to ask at the same time.
        if (message.command === 'probe') await new Promise((resolve) => setTimeout(resolve, 200));
        return 'ok';
      });
      rejected = !result.ok && result.rejected;
      break;
    }
    case 'state':
      break;
    case 'exit':
      breaker.dispose();
      store.dispose();
      client.disconnect();
      process.disconnect?.();
      return;
  }
  const reply: WorkerReply = {
    id: message.id,
    state: breaker.state,
    degraded: store.degraded,
    ran,
    rejected,
  };
  process.send?.(reply);
});

process.send?.({ id: 0, state: breaker.state, degraded: false });
