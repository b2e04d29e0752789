import { previousAttributes, type JsonObject, type StripeObject } from '../json.js';
import { buildAccount, markOnboarded, type Account } from '../objects/account.js';
import type { RequestInfo, Sim } from '../sim.js';

/** The hosted onboarding form was submitted: `account.updated` on the Connect channel. */
export function completeOnboarding(sim: Sim, account: Account, request?: RequestInfo): StripeObject[] {
  const before: JsonObject = structuredClone(account);
  markOnboarded(account);
  return [sim.event('account.updated', account, { account: account.id, previous: previousAttributes(before, account), request })];
}

/** An Express account that already finished onboarding (OAuth approvals, triggers). */
export function createOnboardedAccount(sim: Sim, email: string | null, metadata: JsonObject = {}): Account {
  const account = buildAccount({ type: 'express', email, country: 'US', metadata, capabilities: ['card_payments', 'transfers'], businessType: 'individual' });
  markOnboarded(account);
  sim.state.put(account, null);
  return account;
}

/**
 * The account disconnected the platform. Stripe sends `account.application.deauthorized`
 * (its object is the application) and the account becomes unreachable with our key.
 */
export function deauthorizeAccount(sim: Sim, accountId: string): StripeObject[] {
  sim.state.deauthorized.add(accountId);
  for (const [token, acct] of sim.state.accessTokens) if (acct === accountId) sim.state.accessTokens.delete(token);
  for (const [token, acct] of sim.state.refreshTokens) if (acct === accountId) sim.state.refreshTokens.delete(token);
  const application: StripeObject = { id: sim.config.clientId, object: 'application', name: 'nself-stripe (simulated)' };
  return [sim.event('account.application.deauthorized', application, { account: accountId, apiVersion: null })];
}
