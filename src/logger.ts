import pino, { type DestinationStream, type Logger } from 'pino';

// Header and field names that can carry a secret anywhere in a log object.
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["stripe-signature"]',
  'req.headers.cookie',
  'headers.authorization',
  '*.authorization',
  '*.access_token',
  '*.refresh_token',
  '*.secretKey',
  '*.secret_key',
  '*.client_secret',
  '*.encryptionKey',
  '*.password',
  'config.stripe',
  'config.bearerTokens',
  'config.apiTokens',
  'config.encryptionKey',
  'config.stateSecret',
];

// Query parameters that must never reach a log line (OAuth codes, signed state).
const SECRET_QUERY = /([?&](?:code|state)=)[^&]*/g;

export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1[redacted]');
}

interface LoggedRequest {
  method?: string;
  url?: string;
  ip?: string;
  id?: string;
}

// Fastify's default request serializer would log the full URL, query string included.
function serializeRequest(req: LoggedRequest): Record<string, unknown> {
  return { id: req.id, method: req.method, url: redactUrl(req.url ?? ''), ip: req.ip };
}

// Every buffered destination of the process: one timer and one exit hook flush them all.
const buffered = new Set<ReturnType<typeof pino.destination>>();

function flushAllAtExit(): void {
  setInterval(() => buffered.forEach((stream) => stream.flush()), 1000).unref();
  process.once('exit', () => {
    for (const stream of buffered) {
      try {
        stream.flushSync();
      } catch {
        // stdout already closed: nothing left to write to
      }
    }
  });
}

/**
 * Standard output in writes of 4 kB rather than one write(2) per line, which cost a webhook
 * delivery more CPU than anything it does itself. A quiet service still shows its lines within
 * a second, and the last ones are written out when the process exits.
 */
function bufferedStdout(): DestinationStream {
  if (buffered.size === 0) flushAllAtExit();
  const stream = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  buffered.add(stream);
  return stream;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'nself-stripe' },
    serializers: { req: serializeRequest, err: pino.stdSerializers.err },
  };
  return pino(options, destination ?? bufferedStdout());
}
