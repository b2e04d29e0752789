import helmet from '@fastify/helmet';
import { z } from 'zod';
import { NotFound } from '../http/errors.js';
import type { RouteOptions, ZodApp } from '../http/types.js';
import { consoleAssets } from './assets.js';
import { CONSOLE_PAGE, IMPORT_MAP_HASH } from './page.js';

const assetParams = z.object({ file: z.string().regex(/^[a-z][a-z0-9-]*\.(js|css)$/, 'is not a console asset') });

/**
 * The operator console: `GET /console` and its assets, served by the service itself. The page
 * holds no secret and no data: it asks for a token and calls the JSON API with it, so it needs
 * no bearer itself. Encapsulated, so its security headers apply to these routes only.
 */
export async function consoleRoutes(app: ZodApp, _opts: RouteOptions): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'", IMPORT_MAP_HASH],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        baseUri: ["'none'"],
        // Forms are handled by script; a form that still submitted could carry the token into a URL.
        formAction: ["'none'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
  });

  app.get('/console', async (_request, reply) => {
    // The page's modules are asked for next: start reading (from source: transpiling) them now.
    consoleAssets().catch((err: unknown) => reply.log.warn({ err }, 'console assets could not be read'));
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(CONSOLE_PAGE);
  });

  app.get('/console/assets/:file', { schema: { params: assetParams } }, async (request, reply) => {
    const asset = (await consoleAssets()).get(request.params.file);
    if (!asset) throw new NotFound(`No console asset ${request.params.file}`);
    reply.header('etag', asset.etag).header('cache-control', 'no-cache');
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.type(asset.type).send(asset.body);
  });
}
