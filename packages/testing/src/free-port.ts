import { createServer } from 'node:net';

/**
 * Asks the OS for a free TCP port on 127.0.0.1.
 *
 * @param accept - extra check a candidate must pass (Redis Cluster also needs `port + 10000`).
 */
export async function freePort(accept: (port: number) => Promise<boolean> = async () => true) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await listenOnce(0);
    // Cluster bus ports are port + 10000, so keep candidates below 55536.
    if (port < 55_536 && (await accept(port))) return port;
  }
  throw new Error('could not find a free TCP port on 127.0.0.1 after 50 attempts');
}

/** Whether `port` can be bound on 127.0.0.1 right now. */
export async function isPortFree(port: number): Promise<boolean> {
  try {
    await listenOnce(port);
    return true;
  } catch {
    return false;
  }
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      server.close(() => resolve(bound));
    });
  });
}
