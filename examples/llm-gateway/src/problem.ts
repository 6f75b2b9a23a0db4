import { STATUS_CODES } from 'node:http';

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
