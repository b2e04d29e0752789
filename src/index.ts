/** The package entry: the billing client other services use, and the app for embedding. */
export { createBillingClient, BillingClientError } from './entitlements/client.js';
export type { BillingClient, BillingClientOptions, EntitlementResult } from './entitlements/client.js';
export { buildApp } from './app.js';
export type { App, AppDeps } from './app.js';
export { loadConfig, ConfigError } from './config.js';
export type { Config, Env } from './config.js';
