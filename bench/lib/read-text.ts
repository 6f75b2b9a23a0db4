import type { IncomingMessage } from 'node:http';

/** The whole body of an HTTP message as text (listeners, not `for await`: fewer promises). */
export function readText(message: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    message.setEncoding('utf8');
    message.on('data', (piece: string) => {
      text += piece;
    });
    message.once('end', () => resolve(text));
    message.once('error', reject);
  });
}
