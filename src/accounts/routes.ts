import type { RouteOptions, ZodApp } from '../http/types.js';

export async function accountRoutes(app: ZodApp, opts: RouteOptions): Promise<void> {
  void app;
  void opts;
}
