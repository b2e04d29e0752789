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
  // Most URLs hold neither separator: no regex to run on every request line.
  return url.includes('?') || url.includes('&') ? url.replace(SECRET_QUERY, '$1[redacted]') : url;
}

interface LoggedRequest {
  method?: string;
  url?: string;
  ip?: string;
  id?: string;
}

// Fastify's default request serializer would log the full URL, query string included.
export function serializeRequest(req: LoggedRequest): Record<string, unknown> {
  return { id: req.id, method: req.method, url: redactUrl(req.url ?? ''), ip: req.ip };
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'nself-stripe' },
    serializers: { req: serializeRequest, err: pino.stdSerializers.err },
  };
  return destination ? pino(options, destination) : pino(options);
}
