import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type RedisServerHandle, startRedisServer } from '@breakwater/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerCommand, WorkerReply } from './__fixtures__/shared-state-worker.js';

const workerPath = fileURLToPath(new URL('./__fixtures__/shared-state-worker.ts', import.meta.url));
const OPEN_MS = 600;

/** A worker process and a request/reply channel over IPC. */
class Instance {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: WorkerReply) => void>();
  readonly ready: Promise<void>;

  constructor(readonly child: ChildProcess) {
    this.ready = new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`worker exited early with code ${code}`)));
      child.on('message', (reply: WorkerReply) => {
        if (reply.id === 0) resolve();
        this.pending.get(reply.id)?.(reply);
        this.pending.delete(reply.id);
      });
    });
  }

  send(command: WorkerCommand['command'], times?: number): Promise<WorkerReply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.child.send({ id, command, times } satisfies WorkerCommand);
    });
  }

  async state(): Promise<string> {
    return (await this.send('state')).state;
  }
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('shared state across 3 OS processes on a real Redis', () => {
  let server: RedisServerHandle;
  let instances: Instance[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    const prefix = `mp:${Date.now()}:`;
    instances = ['a', 'b', 'c'].map(
      (id) =>
        new Instance(
          spawn(
            process.execPath,
            ['--import', 'tsx', workerPath, server.url, prefix, id, '2', String(OPEN_MS)],
            { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
          ),
        ),
    );
    await Promise.all(instances.map((instance) => instance.ready));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(
      instances.map(
        (instance) =>
          new Promise<void>((resolve) => {
            if (instance.child.exitCode !== null) return resolve();
            instance.child.once('exit', () => resolve());
            instance.child.send({ id: -1, command: 'exit' } satisfies WorkerCommand);
            setTimeout(() => instance.child.kill('SIGKILL'), 3000).unref();
          }),
      ),
    );
    await server?.stop();
  });

  it('opens for all only on a quorum, probes from one process, and survives Redis stopping', async () => {
    const [a, b, c] = instances as [Instance, Instance, Instance];

    // One bad instance: only its own breaker opens.
    expect((await a.send('fail', 2)).state).toBe('OPEN');
    await sleep(300);
    expect([await b.state(), await c.state()]).toEqual(['CLOSED', 'CLOSED']);
    expect((await b.send('call')).ran).toBe(true);

    // A second instance agrees: the quorum opens the circuit for the third within the sync interval.
    expect((await b.send('fail', 2)).state).toBe('OPEN');
    await eventually(async () => (await c.state()) === 'OPEN', 2000);
    expect(await c.send('call')).toMatchObject({ ran: false, rejected: true });

    // After the open period, exactly one process in the cluster runs the probe.
    await sleep(OPEN_MS + 50);
    const probes = await Promise.all([a.send('probe'), b.send('probe'), c.send('probe')]);
    expect(probes.filter((reply) => reply.ran)).toHaveLength(1);
    expect(probes.filter((reply) => reply.rejected)).toHaveLength(2);
    await eventually(async () =>
      (await Promise.all(instances.map((i) => i.state()))).every((s) => s === 'CLOSED'),
    );

    // Redis stops in the middle of the run: nothing throws, every process decides locally.
    await server.stop();
    expect((await a.send('fail', 2)).state).toBe('OPEN');
    await eventually(async () => (await a.send('state')).degraded, 5000);
    expect((await b.send('call')).ran).toBe(true);
    expect((await c.send('call')).ran).toBe(true);
    await sleep(OPEN_MS + 50);
    expect(await a.send('call')).toMatchObject({ ran: true, state: 'CLOSED' });

    // Redis comes back: the processes follow the shared state again.
    await server.start();
    await eventually(
      async () =>
        (await Promise.all(instances.map((i) => i.send('state')))).every((r) => !r.degraded),
      10_000,
    );
    await b.send('fail', 2);
    await c.send('fail', 2);
    await eventually(async () => (await a.state()) === 'OPEN', 2000);
  }, 60_000);
});
