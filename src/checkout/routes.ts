import type { RouteOptions, ZodApp } from '../http/types.js';

export async function checkoutRoutes(app: ZodApp, opts: RouteOptions): Promise<void> {
  void app;
  void opts;
}
