import type { StripeClient } from './client.js';
import { readAccount, type Account } from './objects/account.js';
import { readInvoice, type Invoice } from './objects/invoice.js';
import { readSubscription, type Subscription } from './objects/subscription.js';

/**
 * Objects fetched from Stripe (same-second ties, TTL refreshes, reconcile), read through the
 * same schemas as webhook objects: the SDK's types describe its own API version, not ours.
 */

const under = (accountId: string | null) => (accountId ? { stripeAccount: accountId } : undefined);

export async function fetchSubscription(stripe: StripeClient, subscriptionId: string, accountId: string | null): Promise<Subscription> {
  const raw = await stripe.subscriptions.retrieve(subscriptionId, {}, under(accountId));
  return readSubscription(raw, `subscription ${subscriptionId} as fetched from Stripe`);
}

export async function fetchInvoice(stripe: StripeClient, invoiceId: string, accountId: string | null): Promise<Invoice> {
  const raw = await stripe.invoices.retrieve(invoiceId, {}, under(accountId));
  return readInvoice(raw, `invoice ${invoiceId} as fetched from Stripe`);
}

export async function fetchAccount(stripe: StripeClient, accountId: string): Promise<Account> {
  return readAccount(await stripe.accounts.retrieve(accountId), `account ${accountId} as fetched from Stripe`);
}
