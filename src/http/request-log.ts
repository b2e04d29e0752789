import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** What the route adds to its request's log line (a webhook: the event and its outcome); null for none. */
    logFields: Record<string, unknown> | null;
  }
}

/**
 * One line per request, written once it is answered and carrying the request too, plus what the
 * route added (a webhook delivery's line names its event and outcome). Fastify's default writes a
 * second line on arrival with nothing the last one lacks; at the default level those lines, and a
 * webhook's own line beside them, were a sixth of a delivery's CPU.
 */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const line = { req: request, res: reply, responseTime: reply.elapsedTime, ...request.logFields };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, request.logFields ? 'webhook event' : 'request completed');
  }
}
