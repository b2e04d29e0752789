import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Pool } from './db/pool.js';
import type { Metrics } from './metrics.js';
import type { StripeClient } from './stripe/client.js';

/** What domain code needs, passed explicitly from the composition root. */
export interface AppContext {
  config: Config;
  pool: Pool;
  stripe: StripeClient;
  logger: Logger;
  metrics: Metrics;
}
