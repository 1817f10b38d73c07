import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

export interface ErrorDetailBody {
  index?: number;
  path: string;
  message: string;
}

export interface ErrorBody {
  error: { status: number; code: string; message: string; details?: ErrorDetailBody[] };
}

/** An error a client caused or must react to: its status, a stable code, a message and where. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetailBody[],
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable_entity',
  429: 'too_many_requests',
  500: 'internal_error',
  503: 'service_unavailable',
};

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message: string;
}

/** Maps any error to a status and the platform's error body; 5xx other than ApiError are hidden. */
export function toErrorResponse(error: unknown): { status: number; body: ErrorBody; headers: Record<string, string> } {
  if (error instanceof ApiError) {
    return {
      status: error.status,
      headers: error.headers,
      body: { error: { status: error.status, code: error.code, message: error.message, details: error.details } },
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const message =
      typeof response === 'string'
        ? response
        : Array.isArray((response as { message?: unknown }).message)
          ? (response as { message: string[] }).message.join('; ')
          : String((response as { message?: unknown }).message ?? error.message);
    return { status, headers: {}, body: { error: { status, code: CODES[status] ?? `http_${status}`, message } } };
  }
  const fastify = error as FastifyLikeError;
  const status = fastify?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    let message = fastify.message;
    if (fastify.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      message = `request body is larger than the limit of this endpoint`;
    if (fastify.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
      message = `unsupported content type: ${fastify.message.replace(/^Unsupported Media Type:?\s*/i, '')}`;
    if (fastify.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError)
      message = `malformed JSON: ${fastify.message}`;
    if (fastify.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') message = 'the body is empty but the content type says JSON';
    return { status, headers: {}, body: { error: { status, code: CODES[status] ?? `http_${status}`, message } } };
  }
  return {
    status: 500,
    headers: {},
    body: { error: { status: 500, code: 'internal_error', message: 'internal error; it was logged' } },
  };
}

/** Sends the error body; logs server faults with their stack, client faults at debug. */
export function sendError(reply: FastifyReply, request: FastifyRequest, error: unknown, logger: Logger): void {
  const { status, body, headers } = toErrorResponse(error);
  if (status >= 500) logger.error({ err: error, method: request.method, url: request.url }, 'request failed');
  else logger.debug({ status, code: body.error.code, url: request.url }, body.error.message);
  void reply.code(status).headers(headers).send(body);
}

/** Nest's side: every exception a controller throws becomes the platform's error body. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendError(http.getResponse<FastifyReply>(), http.getRequest<FastifyRequest>(), exception, this.logger);
  }
}
