import type { FastifyInstance } from 'fastify';
import { ProblemError, problem } from '../problem.js';

/** Deepest nesting of arrays and objects a request body may have. */
export const MAX_JSON_DEPTH = 32;

/**
 * The nesting depth of a JSON text, in one pass over its characters (strings skipped), or
 * `limit + 1` as soon as it goes deeper: a cheap refusal before any object is built.
 */
export function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 92 /* \ */) index++;
      else if (code === 34 /* " */) inString = false;
    } else if (code === 34) {
      inString = true;
    } else if (code === 91 /* [ */ || code === 123 /* { */) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (code === 93 /* ] */ || code === 125 /* } */) {
      depth--;
    }
  }
  return deepest;
}

/**
 * Replaces Fastify's JSON parser with one that refuses bodies nested deeper than
 * {@link MAX_JSON_DEPTH} (400) before parsing them, then parses with Fastify's own
 * (prototype-poisoning-safe) parser. Removes the `text/plain` parser: only JSON is accepted (415).
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
      done(
        new ProblemError(
          problem(400, {
            code: 'json_too_deep',
            detail: `The request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels.`,
          }),
        ),
        undefined,
      );
      return;
    }
    parse(request, text, done);
  });
}
