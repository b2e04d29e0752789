import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { serializeRequest } from '../logger.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** What the route adds to its request's log line (a webhook: the event and its outcome); null for none. */
    logFields: Record<string, unknown> | null;
  }
}

const serializeReply = (reply: FastifyReply) => ({ statusCode: reply.statusCode });

/**
 * One line per request, written once it is answered and carrying the request too, plus what the
 * route added (a webhook delivery's line names its event and outcome). Fastify's default writes a
 * second line on arrival with nothing the last one lacks; at the default level those lines, and a
 * webhook's own line beside them, were a sixth of a delivery's CPU.
 *
 * An answered request's line holds only what the `req` serializer keeps (id, method, the URL with
 * its secret query values replaced, IP), the status, the time and the route's own fields: never a
 * header or a body. So it is written through a child of the logger without the redaction paths,
 * whose wildcards cost 10 µs per line, nearly a third of a warm entitlement check at info
 * (bench/checks.ts). A failed request's line carries the error, which may hold anything: that
 * one stays redacted.
 */
export class OneLinePerRequest extends LogController {
  private readonly answered: Logger;

  constructor(logger: Logger) {
    super();
    // Its own serializers, whatever logger it is given: the line must hold these fields and no more.
    // Its level lets every line through: the request's own logger decides, below.
    this.answered = logger.child({}, { level: 'info', redact: [], serializers: { req: serializeRequest, res: serializeReply } });
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    if (error) {
      reply.log.error({ req: request, res: reply, responseTime: reply.elapsedTime, ...request.logFields, err: error }, 'request errored');
      return;
    }
    // The request's logger is the root's child of this moment, or has its route's own level.
    const levels = this.answered.levels.values;
    if ((levels[reply.log.level] ?? Infinity) > levels.info!) return;
    this.answered.info(
      { reqId: request.id, req: request, res: reply, responseTime: reply.elapsedTime, ...request.logFields },
      request.logFields ? 'webhook event' : 'request completed',
    );
  }
}
