/** The curl commands `npm run dev` prints: onboarding, a price, checkout, the entitlement check. */
export function walkthrough(o: { serviceUrl: string; simUrl: string; token: string; secretKey: string }): string {
  const auth = `-H "Authorization: Bearer ${o.token}"`;
  const json = `-H "Content-Type: application/json"`;
  return `
nself-stripe is running (offline): service ${o.serviceUrl}, Stripe simulator ${o.simUrl}

1. Onboard an operator (open the returned url in a browser and press "Agree and submit"):
   curl -s -X POST ${o.serviceUrl}/onboard ${auth} ${json} -d '{"entity_id":"tenant-abc","email":"ops@example.com"}'
   curl -s ${o.serviceUrl}/account/tenant-abc ${auth}
   (OAuth instead: add "mode":"oauth" and approve on the simulator's authorize page)

2. The operator creates a price on their account (ACCOUNT = account_id from step 1):
   curl -s ${o.simUrl}/v1/prices -u ${o.secretKey}: -H "Stripe-Account: $ACCOUNT" \\
     -d unit_amount=1500 -d currency=usd -d "recurring[interval]=month" -d "product_data[name]=Video streaming"

3. Sell a capability (PRICE = id from step 2), open the url and press "Subscribe":
   curl -s -X POST ${o.serviceUrl}/checkout ${auth} ${json} \\
     -d '{"entity_id":"tenant-abc","subject_id":"user-42","price_id":"'$PRICE'","capabilities":["video-streaming"],"success_url":"${o.simUrl}/_sim/return?session_id={CHECKOUT_SESSION_ID}","cancel_url":"${o.simUrl}/_sim/return?outcome=cancel"}'

4. billing.can:
   curl -s ${o.serviceUrl}/entitlement/user-42/video-streaming ${auth}

5. Cancel in the simulator (SUB = the subscription's id from the first command) and check again:
   curl -s ${o.simUrl}/v1/subscriptions -u ${o.secretKey}: -H "Stripe-Account: $ACCOUNT"
   curl -s -X POST ${o.simUrl}/_sim/subscriptions/$SUB/status ${json} -d '{"status":"canceled"}'
   curl -s ${o.serviceUrl}/entitlement/user-42/video-streaming ${auth}

Ctrl-C stops everything. A restart keeps the service's data (.data/) but not the simulator's:
its accounts, prices and subscriptions are gone, so onboard again after one.
`;
}
