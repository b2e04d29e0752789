import type { ApiContext, ApiDeps } from '../api.js';
import { route } from '../api.js';
import { invalidParam, invalidRequest, noSuch } from '../errors.js';
import type { FormObject } from '../form.js';
import { now } from '../ids.js';
import { buildCustomer, buildPrice, buildProduct, type Price, type Product } from '../objects/catalog.js';
import { isKind } from '../objects/guards.js';
import { applyMetadata, optArr, optBool, optInt, optObj, optStr, reqStr, strings } from '../params.js';
import { createdFilter, listOf, mustGet } from './common.js';

const INTERVALS = ['day', 'week', 'month', 'year'];

function productFromData(ctx: ApiContext, data: FormObject, param: string): Product {
  const name = optStr(data, 'name');
  if (name === undefined || name === '') throw invalidRequest(`Missing required param: ${param}[name].`, { code: 'parameter_missing', param: `${param}[name]` });
  const product = buildProduct({ name, description: null, active: true, metadata: applyMetadata({}, data) });
  return ctx.sim.state.put(product, ctx.account);
}

/** Price fields shared by POST /v1/prices and Checkout's line_items[n][price_data]. */
export function createPrice(ctx: ApiContext, p: FormObject, prefix = ''): Price {
  const name = (n: string): string => (prefix === '' ? n : `${prefix}[${n}]`);
  const currency = optStr(p, 'currency');
  if (currency === undefined || currency === '') throw invalidRequest(`Missing required param: ${name('currency')}.`, { code: 'parameter_missing', param: name('currency') });
  let productId = optStr(p, 'product');
  const productData = optObj(p, 'product_data');
  if (productId === undefined && productData !== undefined) productId = productFromData(ctx, productData, name('product_data')).id;
  if (productId === undefined) throw invalidRequest(`Missing required param: ${name('product')}.`, { code: 'parameter_missing', param: name('product') });
  const product = ctx.sim.state.get(productId, ctx.account, 'product');
  if (!isKind(product, 'product')) throw noSuch('product', productId, name('product'), 400);
  const unitAmount = optInt(p, 'unit_amount', name('unit_amount'));
  if (unitAmount === undefined) throw invalidRequest(`Missing required param: ${name('unit_amount')}.`, { code: 'parameter_missing', param: name('unit_amount') });
  if (unitAmount < 0) throw invalidParam(name('unit_amount'), 'This value must be greater than or equal to 0.');
  const recurring = optObj(p, 'recurring');
  const interval = recurring === undefined ? null : optStr(recurring, 'interval') ?? null;
  if (recurring !== undefined && (interval === null || !INTERVALS.includes(interval))) {
    throw invalidParam(name('recurring[interval]'), 'Invalid recurring[interval]: must be one of day, month, week, or year');
  }
  const lookupKey = optStr(p, 'lookup_key') ?? null;
  if (lookupKey !== null) {
    const taken = ctx.sim.state.list('price', ctx.account, (o) => o.lookup_key === lookupKey);
    if (taken.length > 0 && optBool(p, 'transfer_lookup_key') !== true) {
      throw invalidParam('lookup_key', `A price (\`${taken[0]?.id}\`) already uses that lookup key.`);
    }
    for (const t of taken) t.lookup_key = null;
  }
  const price = buildPrice({
    product: productId,
    currency: currency.toLowerCase(),
    unitAmount,
    interval,
    intervalCount: (recurring === undefined ? undefined : optInt(recurring, 'interval_count')) ?? 1,
    lookupKey,
    nickname: optStr(p, 'nickname') ?? null,
    active: optBool(p, 'active') ?? true,
    metadata: applyMetadata({}, p),
  });
  return ctx.sim.state.put(price, ctx.account);
}

export function registerCatalogRoutes(deps: ApiDeps): void {
  route(deps, 'POST', '/v1/products', (ctx) => {
    const product = buildProduct({
      name: reqStr(ctx.params, 'name'),
      description: optStr(ctx.params, 'description') ?? null,
      active: optBool(ctx.params, 'active') ?? true,
      metadata: applyMetadata({}, ctx.params),
    });
    const id = optStr(ctx.params, 'id');
    if (id !== undefined) {
      if (ctx.sim.state.find(id) !== undefined) throw invalidParam('id', `Product already exists.`);
      product.id = id;
    }
    ctx.sim.state.put(product, ctx.account);
    const priceData = optObj(ctx.params, 'default_price_data');
    if (priceData !== undefined) product.default_price = createPrice(ctx, { ...priceData, product: product.id }, 'default_price_data').id;
    return product;
  });
  route(deps, 'GET', '/v1/products', (ctx) => {
    const active = optBool(ctx.params, 'active');
    const items = ctx.sim.state.list('product', ctx.account, (o) => active === undefined || o.active === active);
    return listOf(ctx, items, '/v1/products');
  });
  route(deps, 'GET', '/v1/products/:id', (ctx) => mustGet(ctx, ctx.path.id ?? '', 'product'));
  route(deps, 'POST', '/v1/products/:id', (ctx) => {
    const product = mustGet(ctx, ctx.path.id ?? '', 'product');
    product.metadata = applyMetadata(product.metadata, ctx.params);
    product.name = optStr(ctx.params, 'name') ?? product.name;
    product.active = optBool(ctx.params, 'active') ?? product.active;
    product.updated = now();
    return product;
  });

  route(deps, 'POST', '/v1/prices', (ctx) => createPrice(ctx, ctx.params));
  route(deps, 'GET', '/v1/prices', (ctx) => {
    const lookupKeys = strings(optArr(ctx.params, 'lookup_keys'));
    const product = optStr(ctx.params, 'product');
    const type = optStr(ctx.params, 'type');
    const active = optBool(ctx.params, 'active');
    const currency = optStr(ctx.params, 'currency');
    const created = createdFilter(ctx);
    const items = ctx.sim.state.list('price', ctx.account, (o) =>
      (lookupKeys.length === 0 || (typeof o.lookup_key === 'string' && lookupKeys.includes(o.lookup_key))) &&
      (product === undefined || o.product === product) &&
      (type === undefined || o.type === type) &&
      (active === undefined || o.active === active) &&
      (currency === undefined || o.currency === currency) &&
      created(o),
    );
    return listOf(ctx, items, '/v1/prices');
  });
  route(deps, 'GET', '/v1/prices/:id', (ctx) => mustGet(ctx, ctx.path.id ?? '', 'price'));
  route(deps, 'POST', '/v1/prices/:id', (ctx) => {
    const price = mustGet(ctx, ctx.path.id ?? '', 'price');
    price.metadata = applyMetadata(price.metadata, ctx.params);
    price.active = optBool(ctx.params, 'active') ?? price.active;
    return price;
  });

  route(deps, 'POST', '/v1/customers', (ctx) => {
    const customer = buildCustomer({
      email: optStr(ctx.params, 'email') ?? null,
      name: optStr(ctx.params, 'name') ?? null,
      description: optStr(ctx.params, 'description') ?? null,
      metadata: applyMetadata({}, ctx.params),
    });
    return ctx.sim.state.put(customer, ctx.account);
  });
  route(deps, 'GET', '/v1/customers', (ctx) => {
    const email = optStr(ctx.params, 'email');
    const items = ctx.sim.state.list('customer', ctx.account, (o) => email === undefined || o.email === email);
    return listOf(ctx, items, '/v1/customers');
  });
  route(deps, 'GET', '/v1/customers/:id', (ctx) => mustGet(ctx, ctx.path.id ?? '', 'customer'));
  route(deps, 'POST', '/v1/customers/:id', (ctx) => {
    const customer = mustGet(ctx, ctx.path.id ?? '', 'customer');
    customer.metadata = applyMetadata(customer.metadata, ctx.params);
    customer.email = optStr(ctx.params, 'email') ?? customer.email;
    customer.name = optStr(ctx.params, 'name') ?? customer.name;
    return customer;
  });
}
