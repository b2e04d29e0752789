/**
 * `npm run demo`: the walkthrough of `npm run dev`, headless. Onboard an operator through the
 * simulator's hosted page, create a price on the connected account, pay on the Checkout
 * page, see billing.can allow, cancel, see it deny. Each step prints its result; any
 * failure exits 1. It uses a running `npm run dev` when there is one, else starts its own.
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from './config.js';
import { loadDotEnv, withRunningDev } from './dev-env.js';
import { startOwnDev, type DemoTarget } from './demo-target.js';

interface Answer {
  allowed: boolean;
  status: string;
}

class StepFailed extends Error {}

const started = Date.now();
let stepNumber = 0;

async function step<T>(name: string, work: () => Promise<{ value: T; result: string }>): Promise<T> {
  stepNumber++;
  const t0 = Date.now();
  try {
    const { value, result } = await work();
    process.stdout.write(`ok   ${stepNumber}. ${name}: ${result} (${Date.now() - t0} ms)\n`);
    return value;
  } catch (err) {
    process.stdout.write(`FAIL ${stepNumber}. ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    throw new StepFailed();
  }
}

function must(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** The first POST form on a hosted page whose button has this id, as a browser would find it. */
function formAction(html: string, buttonId: string, pageUrl: string): { action: string; label: string } {
  for (const form of html.split('<form').slice(1)) {
    const action = /action="([^"]+)"/.exec(form)?.[1];
    const label = new RegExp(`<button id="${buttonId}"[^>]*>([^<]*)</button>`).exec(form)?.[1];
    if (action && label !== undefined) return { action: new URL(action.replaceAll('&amp;', '&'), pageUrl).toString(), label };
  }
  throw new Error(`no form with a #${buttonId} button on ${pageUrl}`);
}

async function walkthrough(t: DemoTarget): Promise<void> {
  const auth = { authorization: `Bearer ${t.token}` };
  const service = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${t.serviceUrl}${path}`, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    must(res.ok, `${method} ${path} answered ${res.status}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  };
  const stripe = async <T>(path: string, account: string, form?: Record<string, string>): Promise<T> => {
    const res = await fetch(`${t.simUrl}${path}`, {
      method: form ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${t.secretKey}`, 'stripe-account': account },
      ...(form ? { body: new URLSearchParams(form) } : {}),
    });
    const text = await res.text();
    must(res.ok, `Stripe ${path} answered ${res.status}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  };
  const settle = async <T extends { allowed?: boolean; status?: string }>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> => {
    const until = Date.now() + 10_000;
    let value = await read();
    while (!done(value) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      value = await read();
    }
    return value;
  };

  const suffix = randomBytes(3).toString('hex');
  const [operator, subject, capability] = [`demo-operator-${suffix}`, `demo-user-${suffix}`, 'video-streaming'];

  const onboard = await step('onboard an operator', async () => {
    const value = await service<{ url: string; account_id: string; mode: string }>('POST', '/onboard', {
      entity_id: operator,
      email: 'ops@example.com',
    });
    return { value, result: `${operator} → ${value.account_id}, ${value.mode} ${value.url}` };
  });

  await step(`the simulator's onboarding page`, async () => {
    const page = await fetch(onboard.url, { redirect: 'manual' });
    must(page.status === 200, `the onboarding page answered ${page.status}`);
    const form = formAction(await page.text(), 'complete-onboarding', onboard.url);
    const submitted = await fetch(form.action, { method: 'POST', redirect: 'manual' });
    must(submitted.status === 302, `"${form.label}" answered ${submitted.status}`);
    // Where the browser lands next: the service's return page.
    const landing = await fetch(new URL(submitted.headers.get('location') ?? '/', form.action), { redirect: 'manual' });
    const account = await settle(
      () => service<{ status: string; charges_enabled?: boolean }>('GET', `/account/${operator}`),
      (a) => a.status === 'active',
    );
    must(account.status === 'active', `the account is ${account.status}, not active`);
    return { value: null, result: `pressed "${form.label}", landed on ${landing.status}; account active` };
  });

  const price = await step('the operator creates a price on their account', async () => {
    const value = await stripe<{ id: string; unit_amount: number; currency: string }>('/v1/prices', onboard.account_id, {
      unit_amount: '1500',
      currency: 'usd',
      'recurring[interval]': 'month',
      'product_data[name]': 'Video streaming',
    });
    return { value, result: `${value.id}, ${(value.unit_amount / 100).toFixed(2)} ${value.currency.toUpperCase()} a month` };
  });

  await step(`pay on the simulator's Checkout page`, async () => {
    const session = await service<{ id: string; url: string }>('POST', '/checkout', {
      entity_id: operator,
      subject_id: subject,
      price_id: price.id,
      capabilities: [capability],
      success_url: `${t.serviceUrl}/health?paid={CHECKOUT_SESSION_ID}`,
      cancel_url: `${t.serviceUrl}/health?canceled=1`,
    });
    const page = await fetch(session.url, { redirect: 'manual' });
    must(page.status === 200, `the Checkout page answered ${page.status}`);
    const form = formAction(await page.text(), 'pay', session.url);
    const paid = await fetch(form.action, {
      method: 'POST',
      body: new URLSearchParams({ email: `${subject}@example.com` }),
      redirect: 'manual',
    });
    const location = paid.headers.get('location') ?? '';
    must(paid.status === 302 && location.includes(session.id), `"${form.label}" answered ${paid.status} → ${location}`);
    return { value: null, result: `${session.id}: pressed "${form.label}", redirected to the success URL` };
  });

  const check = (): Promise<Answer> => service<Answer>('GET', `/entitlement/${subject}/${capability}`);
  await step(`billing.can(${subject}, ${capability})`, async () => {
    const answer = await settle(check, (a) => a.allowed);
    must(answer.allowed, `denied (status ${answer.status})`);
    return { value: null, result: `allowed (status ${answer.status})` };
  });

  await step('cancel the subscription in the simulator', async () => {
    const subs = await stripe<{ data: { id: string }[] }>('/v1/subscriptions', onboard.account_id);
    const sub = subs.data[0];
    must(sub, 'the connected account has no subscription');
    const res = await fetch(`${t.simUrl}/_sim/subscriptions/${sub.id}/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'canceled' }),
    });
    must(res.ok, `the simulator answered ${res.status}`);
    return { value: null, result: `${sub.id} canceled` };
  });

  await step(`billing.can(${subject}, ${capability}) again`, async () => {
    const answer = await settle(check, (a) => !a.allowed);
    must(!answer.allowed, `still allowed (status ${answer.status})`);
    return { value: null, result: `denied (status ${answer.status})` };
  });
}

async function main(): Promise<number> {
  loadDotEnv();
  const { env, dev } = withRunningDev(process.env);
  let target: DemoTarget;
  if (dev) {
    const config = loadConfig(env);
    target = { serviceUrl: dev.serviceUrl, simUrl: dev.simUrl, token: config.bearerTokens[0]!, secretKey: config.stripe.secretKey, stop: async () => undefined };
    process.stdout.write(`using the running npm run dev (pid ${dev.pid}): ${dev.serviceUrl}, simulator ${dev.simUrl}\n`);
  } else {
    process.stdout.write('no npm run dev is running: starting one for the demo\n');
    target = await startOwnDev();
    process.stdout.write(`started: ${target.serviceUrl}, simulator ${target.simUrl}\n`);
  }
  try {
    await walkthrough(target);
    process.stdout.write(`the walkthrough passed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof StepFailed)) process.stdout.write(`FAIL ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await target.stop();
  }
}

main().then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (err: unknown) => {
    process.stderr.write(`npm run demo: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
