import { STATUS_CODES } from 'node:http';
import type { FastifyReply } from 'fastify';

/** An RFC 9457 problem detail, the body of every error this gateway sends. */
export interface Problem {
  /** A URI naming the problem type; `about:blank` when the status code says it all. */
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly instance?: string;
  /** A stable machine-readable code (extension member). */
  readonly code?: string;
  readonly [extension: string]: unknown;
}

/** The media type of RFC 9457 problem details. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Builds a problem detail; the title defaults to the status code's reason phrase. */
export function problem(
  status: number,
  fields: {
    detail?: string;
    code?: string;
    title?: string;
    type?: string;
    instance?: string;
  } & Record<string, unknown> = {},
): Problem {
  const { title, type, ...rest } = fields;
  return {
    type: type ?? 'about:blank',
    title: title ?? STATUS_CODES[status] ?? 'Error',
    status,
    ...rest,
  };
}

/** An error that routes throw to answer with a given problem detail. */
export class ProblemError extends Error {
  readonly problem: Problem;
  readonly headers: Readonly<Record<string, string>>;

  constructor(value: Problem, headers: Record<string, string> = {}) {
    super(value.detail ?? value.title);
    this.name = 'ProblemError';
    this.problem = value;
    this.headers = headers;
  }
}

/** True when `value` is a {@link ProblemError}. */
export function isProblemError(value: unknown): value is ProblemError {
  return value instanceof ProblemError;
}

/** OpenAI's error `type` for a status, so the official SDKs classify the error as OpenAI would. */
function openAIErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/**
 * The wire body of a problem: RFC 9457 members plus OpenAI's `error` object
 * (`{ message, type, code, param }`), which the official SDKs read for their error message.
 */
export function problemBody(value: Problem): Problem {
  return {
    ...value,
    error: {
      message: value.detail ?? value.title,
      type: openAIErrorType(value.status),
      code: value.code ?? null,
      param: typeof value.param === 'string' ? value.param : null,
    },
  };
}

/** Sends an RFC 9457 problem detail (with OpenAI's `error` object beside it). */
export function sendProblem(
  reply: FastifyReply,
  value: Problem,
  headers: Readonly<Record<string, string>> = {},
): FastifyReply {
  for (const [name, headerValue] of Object.entries(headers)) reply.header(name, headerValue);
  return reply.code(value.status).type(PROBLEM_CONTENT_TYPE).send(problemBody(value));
}
