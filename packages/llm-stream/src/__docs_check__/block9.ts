import { WebSocketServer } from 'ws';
import { createMockProvider, createStreamManager, pipeWebSocket } from '@breakwater/llm-stream';

const manager = createStreamManager();
const mock = createMockProvider({ tokensPerSecond: 40 });

new WebSocketServer({ port: 3001 }).on('connection', (socket) => {
  socket.on('message', (data) => {
    const { prompt } = JSON.parse(String(data)) as { prompt: string };
    void pipeWebSocket(manager.stream(mock.source({ prompt })), socket, { highWaterMark: 256 * 1024 });
  });
});

export {};
