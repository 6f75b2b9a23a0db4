import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from './create-metrics.js';
import {
  createFastifyMetricsHandler,
  createFetchMetricsHandler,
  createNodeMetricsHandler,
} from './metrics-handlers.js';
import type { MetricsSource } from './prom-client-backend.js';

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function populated() {
  const metrics = createMetrics();
  metrics.recordHttpRequest({ method: 'GET', route: '/health', statusCode: 200, durationMs: 1 });
  return metrics;
}

const failing: MetricsSource = {
  contentType: CONTENT_TYPE,
  metrics: () => Promise.reject(new Error('Operation timed out.')),
};

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('/metrics handlers over real HTTP', () => {
  const closers: Array<() => Promise<unknown>> = [];

  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  function track(server: Server) {
    closers.push(() => new Promise((resolve) => server.close(resolve)));
    return listen(server);
  }

  it('serves node:http', async () => {
    const base = await track(createServer(createNodeMetricsHandler(populated())));
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(CONTENT_TYPE);
    expect(await response.text()).toContain(
      'breakwater_http_requests_total{method="GET",route="/health",status_code="200"} 1',
    );
  });

  it('answers 500 on node:http when the scrape fails', async () => {
    const base = await track(createServer(createNodeMetricsHandler(failing)));
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('metrics unavailable: Operation timed out.\n');
  });

  it('serves Express 5, and hands scrape failures to next()', async () => {
    const app = express();
    app.get('/metrics', createNodeMetricsHandler(populated()));
    app.get('/broken', createNodeMetricsHandler(failing));
    app.use(
      (
        error: Error,
        _request: express.Request,
        response: express.Response,
        _next: express.NextFunction,
      ) => {
        response.status(503).send(`handled: ${error.message}`);
      },
    );
    const base = await track(createServer(app));
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(CONTENT_TYPE);
    expect(await response.text()).toContain('# TYPE breakwater_http_requests_total counter');
    const broken = await fetch(`${base}/broken`);
    expect(broken.status).toBe(503);
    expect(await broken.text()).toBe('handled: Operation timed out.');
  });

  it('serves Fastify 5', async () => {
    const fastify = Fastify();
    fastify.get('/metrics', createFastifyMetricsHandler(populated()));
    fastify.get('/broken', createFastifyMetricsHandler(failing));
    closers.push(() => fastify.close());
    const base = await fastify.listen({ port: 0, host: '127.0.0.1' });
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(CONTENT_TYPE);
    expect(await response.text()).toContain('breakwater_http_request_duration_seconds_count{');
    expect((await fetch(`${base}/broken`)).status).toBe(500);
  });

  it('serves Hono on @hono/node-server', async () => {
    const app = new Hono();
    app.get('/metrics', createFetchMetricsHandler(populated()));
    app.get('/broken', createFetchMetricsHandler(failing));
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    closers.push(() => new Promise((resolve) => server.close(resolve)));
    if (!server.listening) await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(CONTENT_TYPE);
    expect(await response.text()).toContain('breakwater_http_requests_total{');
    const broken = await fetch(`${base}/broken`);
    expect(broken.status).toBe(500);
    expect(await broken.text()).toContain('Operation timed out.');
  });

  it('refuses a source without metrics()', () => {
    expect(() => createNodeMetricsHandler({} as MetricsSource)).toThrow(TypeError);
  });
});
