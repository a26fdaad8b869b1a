// Log lines: one pino logger for the process (JSON on stdout, or pino-pretty for a person at a
// terminal), every line redacted (redact.ts), and one line per HTTP request with its id, route
// template, status and latency. 4xx are info (the client's problem, still worth a trace), 5xx
// are error with their cause. Request ids come from a valid `x-request-id` or are generated, and
// are echoed so a client's report can be matched to our line.
import { randomUUID } from 'node:crypto';
import { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat, LogLevel } from '../config/index.js';
import { PROBE_PATHS } from './probes.js';
import { principalOf } from './principal.js';
import { redactString, redactValue } from './redact.js';

export type { PinoLogger };

export interface LogOptions {
  level: LogLevel;
  format: LogFormat;
  /** where lines go (tests capture them); default: stdout */
  destination?: DestinationStream;
}

/** pretty for a person at a terminal, JSON for whatever collects logs */
export function defaultLogFormat(stream: { isTTY?: boolean } = process.stdout): LogFormat {
  return stream.isTTY ? 'pretty' : 'json';
}

export function createLogger(options: LogOptions): PinoLogger {
  const destination =
    options.destination ??
    (options.format === 'pretty'
      ? pretty({ destination: 1, sync: true, colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
      : pino.destination({ dest: 1, sync: true }));
  return pino(
    {
      level: options.level,
      timestamp: pino.stdTimeFunctions.isoTime,
      base: { pid: process.pid },
      hooks: {
        // every argument of every call (fields, message, format arguments) is redacted
        logMethod(args, method) {
          const [first, ...rest] = args as unknown[];
          // log.error(error[, message]) is pino's shorthand for { err: error }: keep that shape
          const fields = first instanceof Error ? { err: first } : first;
          if (first instanceof Error && typeof rest[0] !== 'string') rest.unshift(first.message);
          const clean = [fields, ...rest].map((arg) => (typeof arg === 'string' ? redactString(arg) : redactValue(arg)));
          return method.apply(this, clean as Parameters<typeof method>);
        },
      },
      // errors were turned into redacted plain objects by logMethod; pino's own err serializer
      // would rename their type to "Object"
      serializers: { err: (value: unknown) => (value instanceof Error ? redactValue(value) : value) },
      formatters: {
        bindings: (bindings) => redactValue(bindings) as Record<string, unknown>,
      },
    },
    destination,
  );
}

/** Accepted as a request id: what tracing systems send (uuids, hex ids, w3c-ish tokens). */
const REQUEST_ID = /^[A-Za-z0-9._:@\/+=-]{1,128}$/;
export const REQUEST_ID_HEADER = 'x-request-id';

/** Fastify's genReqId: the client's x-request-id when well formed, else a fresh uuid. */
export function requestIdFor(request: { headers: Record<string, string | string[] | undefined> }): string {
  const sent = request.headers[REQUEST_ID_HEADER];
  return typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : randomUUID();
}

/** The route as registered (`/v1/namespaces/:namespace`), never the raw path: bounded and free of names. */
export function routeTemplate(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

const causes = new WeakMap<FastifyRequest, unknown>();

/** Why a request failed, for its one log line: thrown errors and rejections rendered as values alike. */
export function noteCause(request: FastifyRequest, error: unknown): void {
  causes.set(request, error);
}
const QUIET_ROUTES: ReadonlySet<string> = new Set(Object.values(PROBE_PATHS));

/** Fastify options that put `logger` behind the app and leave request lines to installRequestLogging. */
export function fastifyLogOptions(logger: PinoLogger | undefined): {
  logger: false;
  loggerInstance?: FastifyBaseLogger;
  logController: LogController;
  genReqId: typeof requestIdFor;
} {
  const instance: FastifyBaseLogger | undefined = logger;
  const logController = new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' });
  return { logger: false, loggerInstance: instance, logController, genReqId: requestIdFor };
}

/** Echoes the request id, logs the start at debug and one line per finished request. */
export function installRequestLogging(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    request.log.debug({ method: request.method, route: routeTemplate(request) }, 'request started');
  });
  app.addHook('onError', async (request, _reply, error) => noteCause(request, error));
  app.addHook('onResponse', async (request, reply) => {
    const status = reply.statusCode;
    const principal = principalOf(request);
    const fields: Record<string, unknown> = {
      method: request.method,
      route: routeTemplate(request),
      status,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      // the verified name only (never the token); absent for anonymous callers
      ...(principal.kind === 'user' && { principal: principal.name }),
    };
    const cause = causes.get(request);
    if (status >= 500) {
      request.log.error({ ...fields, err: cause }, 'request failed');
    } else if (QUIET_ROUTES.has(fields.route as string) && status < 400) {
      // orchestrators probe and scrape every few seconds: at info these would drown the rest
      request.log.debug(fields, 'request');
    } else if (cause !== undefined) {
      const { type, message } = cause as { type?: unknown; message?: unknown };
      request.log.info({ ...fields, error: typeof type === 'string' ? type : undefined, reason: message }, 'request');
    } else {
      request.log.info(fields, 'request');
    }
  });
}
