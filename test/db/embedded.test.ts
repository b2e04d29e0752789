import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { PortInUseError, portHolder } from '../../src/ports.js';
import { freePort } from '../accounts/helpers.js';

function hold(port: number): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer().listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('the embedded PostgreSQL', () => {
  it('on a taken port, names the port, its holder and NSELF_EMBEDDED_PG_PORT before touching any data', async () => {
    const port = await freePort();
    const holder = await hold(port);
    const dir = join(process.cwd(), '.data', `embedded-port-test-${port}`);
    try {
      const err = await startEmbeddedPostgres({ dir, port }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PortInUseError);
      expect((err as Error).message).toMatch(
        new RegExp(`^port ${port} \\(embedded PostgreSQL\\) is already in use by pid ${process.pid} \\(.+\\); set NSELF_EMBEDDED_PG_PORT to use another port$`),
      );
      expect(existsSync(dir)).toBe(false);
    } finally {
      holder.close();
    }
  });

  it('finds no holder for a port nobody listens on', async () => {
    expect(portHolder(await freePort())).toBeNull();
  });
});
