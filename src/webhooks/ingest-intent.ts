import type Stripe from 'stripe';
import { snapshotOf } from '../accounts/status.js';
import { grantTargetFromMetadata, subscriptionState } from '../entitlements/grants.js';
import { notificationPayload } from '../notify.js';
import { readAccount } from '../stripe/objects/account.js';
import { readCheckoutSession } from '../stripe/objects/checkout-session.js';
import { readInvoice } from '../stripe/objects/invoice.js';
import { readCharge, readDispute, readPaymentIntent, readTransfer } from '../stripe/objects/payments.js';
import { readSubscription } from '../stripe/objects/subscription.js';
import { checkoutSource } from './handlers/checkout.js';
import { chargeFacts, fullyRefunded, intentFacts, transferFacts, type PaymentFacts } from './payment-facts.js';
import { eventMetadata, namedOperator } from './scope.js';
import { readEventObject, type Channel } from './types.js';

/**
 * What the ingest function (migration 007) needs of one event, decoded here with the very
 * functions the TypeScript handlers use (the object schemas of src/stripe/objects, metadata,
 * subscription state, account snapshot), so the validation rules live in one place. The database
 * decides everything else: whose event it is, whether it was seen, whether it is older than the
 * state it would change. An object its schema refuses throws MalformedStripeObject here; the
 * batch then hands that event to the pipeline, which records it as the handlers would.
 */

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PAID = new Set(['paid', 'no_payment_required']);
// What jsonb cannot hold, as JSON text writes it: a NUL escape or a lone surrogate (record.ts).
const JSONB_REFUSES = /\\u0000|\\ud[89a-f][0-9a-f]{2}/i;

export interface PaymentRecordIntent {
  id: string;
  kind: 'payment_intent' | 'charge' | 'transfer';
  account: string | null;
  pi: string | null;
  entity: string | null;
  amount: number | undefined;
  refunded: number | undefined;
  currency: string | null | undefined;
  status: string;
  destination: string | null;
}

/** The shared payment facts, under the keys migration 007's functions read. */
function recordIntent(f: PaymentFacts): PaymentRecordIntent {
  return {
    id: f.id,
    kind: f.kind,
    account: f.accountId,
    pi: f.paymentIntentId,
    entity: f.entityId,
    amount: f.amount,
    refunded: f.amountRefunded,
    currency: f.currency,
    status: f.status,
    destination: f.destination,
  };
}

export interface IngestIntent {
  id: string;
  type: string;
  channel: Channel;
  account: string | null;
  /** As sent: an event without it is a mismatch in either mode, as in the pipeline. */
  live: boolean | undefined;
  created: number;
  /** The account whose row decides the tenant: the event's, or a transfer's destination. */
  route: string | null;
  /** A platform event's tenant as its metadata names it (a UUID), else null: the default. */
  meta_tenant: string | null;
  /** The tenant the metadata names, as written: a known account's event naming another is not ours. */
  named_tenant: string | null;
  /** The (tenant, entity) an account.updated names, for a row /onboard has not linked yet. */
  operator: { tenant: string; entity: string } | null;
  /** The handler's own reason to ignore the event, known from the payload alone. */
  skip: string | null;
  /** Type-specific facts (see the functions of migration 007). */
  x: Json;
}

function subscriptionFacts(event: Stripe.Event): Json {
  const sub = readEventObject(readSubscription, event);
  const state = subscriptionState(sub);
  const target = grantTargetFromMetadata(sub.metadata);
  return {
    sub: sub.id,
    status: state.status,
    allowed: state.allowed,
    terminal: state.terminal,
    quantity: state.quantity,
    period_end: state.periodEnd === null ? null : state.periodEnd.getTime() / 1000,
    customer: state.customerId,
    entity: target?.entityId ?? null,
    caps: target?.capabilities ?? [],
  };
}

/** The text of a notification after its tenant_id, without braces: the database puts the tenant in. */
function noteBody(note: Record<string, string | number | boolean | null>): string {
  const full = notificationPayload({ kind: String(note.kind), tenant_id: '', event_id: String(note.event_id), ...note });
  const prefix = `{"kind":${JSON.stringify(note.kind)},"tenant_id":"",`;
  return full.startsWith(prefix) ? full.slice(prefix.length, -1) : `"event_id":${JSON.stringify(note.event_id)}`;
}

type Decoded = Pick<IngestIntent, 'skip' | 'x'>;
const skip = (reason: string): Decoded => ({ skip: reason, x: {} });

function decodeCheckout(event: Stripe.Event): Decoded {
  const session = readEventObject(readCheckoutSession, event);
  const target = grantTargetFromMetadata(session.metadata);
  if (!target) return skip('no_entitlement_metadata');
  if (!PAID.has(session.paymentStatus)) return skip(`payment_status_${session.paymentStatus}`);
  const source = checkoutSource(session);
  if (!source) return skip(`unsupported_session_mode_${session.mode}`);
  const grant = { source_type: source.sourceType, source_id: source.sourceId, entity: target.entityId, caps: target.capabilities, customer: session.customerId, session: session.id };
  return { skip: null, x: { grant } };
}

function decodePaymentIntent(event: Stripe.Event): Decoded {
  const intent = readEventObject(readPaymentIntent, event);
  const target = grantTargetFromMetadata(intent.metadata);
  const grant = target
    ? { source_type: 'payment', source_id: intent.id, entity: target.entityId, caps: target.capabilities, customer: intent.customerId, session: null }
    : null;
  return { skip: null, x: { record: recordIntent(intentFacts(intent, event.account ?? null)), grant } };
}

function decodeRefund(event: Stripe.Event): Decoded {
  const charge = readEventObject(readCharge, event);
  const intentId = charge.paymentIntentId;
  return { skip: null, x: { record: recordIntent(chargeFacts(charge, event.account ?? null)), revoke: fullyRefunded(charge) && intentId ? intentId : null } };
}

function decodeDispute(event: Stripe.Event): Decoded {
  const dispute = readEventObject(readDispute, event);
  const chargeId = dispute.chargeId;
  if (!chargeId) return skip('dispute_without_charge');
  const intentId = dispute.paymentIntentId;
  const note = noteBody({
    kind: 'charge.dispute.created',
    event_id: event.id,
    stripe_account_id: event.account ?? null,
    dispute_id: dispute.id,
    charge_id: chargeId,
    payment_intent_id: intentId,
    amount: dispute.amount,
    currency: dispute.currency,
    reason: dispute.reason,
  });
  return { skip: null, x: { charge: chargeId, pi: intentId, dispute: dispute.id, amount: dispute.amount, currency: dispute.currency, note } };
}

function decodeTransfer(event: Stripe.Event): Decoded {
  return { skip: null, x: { record: recordIntent(transferFacts(readEventObject(readTransfer, event))) } };
}

function decodeInvoice(event: Stripe.Event): Decoded {
  const invoice = readEventObject(readInvoice, event);
  const subscriptionId = invoice.subscriptionId;
  if (!subscriptionId) return skip('invoice_without_subscription');
  // grants_flagged, the count only the database knows, is appended there.
  const note = noteBody({
    kind: 'invoice.payment_failed',
    event_id: event.id,
    stripe_account_id: event.account ?? null,
    invoice_id: invoice.id,
    subscription_id: subscriptionId,
    customer_id: invoice.customerId,
    amount_due: invoice.amountDue,
    currency: invoice.currency,
  });
  return { skip: null, x: { sub: subscriptionId, failed: event.type === 'invoice.payment_failed', note } };
}

function decodeAccountUpdated(event: Stripe.Event): Decoded {
  const account = readEventObject(readAccount, event);
  // livemode is not among the facts: the database compares the event's own with the key's mode.
  const s = snapshotOf(account, event.livemode);
  const operator = namedOperator(account.metadata);
  return {
    skip: null,
    x: {
      object_id: account.id,
      operator: operator ? { tenant: operator.tenantId, entity: operator.entityId } : null,
      details: s.detailsSubmitted,
      charges: s.chargesEnabled,
      payouts: s.payoutsEnabled,
      due: s.requirementsDue,
      disabled_reason: s.disabledReason,
      deadline: s.requirementsDeadline?.toISOString() ?? null,
      email: s.email,
      country: s.country,
    },
  };
}

const DECODERS: Readonly<Record<string, (event: Stripe.Event) => Decoded>> = {
  'payment_intent.succeeded': decodePaymentIntent,
  'charge.refunded': decodeRefund,
  'charge.dispute.created': decodeDispute,
  'transfer.created': decodeTransfer,
  'account.updated': decodeAccountUpdated,
  'account.application.deauthorized': (event) => (event.account ? { skip: null, x: {} } : skip('unknown_account')),
  'checkout.session.completed': decodeCheckout,
  'customer.subscription.created': (event) => ({ skip: null, x: subscriptionFacts(event) }),
  'customer.subscription.updated': (event) => ({ skip: null, x: subscriptionFacts(event) }),
  'customer.subscription.deleted': (event) => ({ skip: null, x: subscriptionFacts(event) }),
  'invoice.payment_failed': decodeInvoice,
  'invoice.paid': decodeInvoice,
};

/** The event types the ingest function applies; any other is recorded there as unhandled. */
export const INGEST_TYPES: ReadonlySet<string> = new Set(Object.keys(DECODERS));

function destinationOf(event: Stripe.Event): string | null {
  const object: unknown = event.data.object;
  return isRecord(object) && object.object === 'transfer' && typeof object.destination === 'string' ? object.destination : null;
}

export function ingestIntent(event: Stripe.Event, channel: Channel): IngestIntent {
  const metadata = eventMetadata(event);
  const named = metadata.nself_tenant_id;
  const decode = DECODERS[event.type];
  const { skip: reason, x } = decode ? decode(event) : { skip: null, x: {} };
  const operator = event.type === 'account.updated' ? namedOperator(metadata) : null;
  return {
    id: event.id,
    type: event.type,
    channel,
    account: event.account ?? null,
    live: event.livemode,
    created: event.created,
    route: event.account ?? destinationOf(event),
    meta_tenant: named && UUID.test(named) ? named.toLowerCase() : null,
    named_tenant: named === undefined ? null : named.toLowerCase(),
    operator: operator ? { tenant: operator.tenantId, entity: operator.entityId } : null,
    skip: reason,
    x,
  };
}

/**
 * One element of the batch: the intent with the payload as received. The signed body is
 * already JSON (verification parsed it), so it is spliced in as is; a body jsonb would refuse
 * goes as text, serialized as record.ts keeps it.
 */
export function batchElement(intent: IngestIntent, event: Stripe.Event, rawBody: string): string {
  const head = JSON.stringify(intent).slice(0, -1);
  if (JSONB_REFUSES.test(rawBody)) return `${head},"payload_text":${JSON.stringify(JSON.stringify(event))}}`;
  return `${head},"payload":${rawBody}}`;
}
