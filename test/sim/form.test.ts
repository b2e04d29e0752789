import { describe, expect, it } from 'vitest';
import { parseForm } from '../../src/sim/form.js';

describe('Stripe form encoding', () => {
  it('parses nested objects and indexed arrays the way stripe-node sends them', () => {
    expect(parseForm('mode=subscription&line_items[0][price]=price_1&line_items[0][quantity]=2&line_items[1][price]=price_2&metadata[a]=b&subscription_data[metadata][x]=y')).toEqual({
      mode: 'subscription',
      line_items: [{ price: 'price_1', quantity: '2' }, { price: 'price_2' }],
      metadata: { a: 'b' },
      subscription_data: { metadata: { x: 'y' } },
    });
  });

  it('parses `[]` appends, percent-encoding and plus signs', () => {
    expect(parseForm('expand[]=line_items&expand[]=customer&email=a%2Bb%40x.test&name=Jane+Doe')).toEqual({
      expand: ['line_items', 'customer'],
      email: 'a+b@x.test',
      name: 'Jane Doe',
    });
    expect(parseForm('metadata%5Bk%5D=v')).toEqual({ metadata: { k: 'v' } });
  });

  it('keeps empty values (Stripe uses them to unset) and ignores empty pairs', () => {
    expect(parseForm('metadata[k]=&&description=')).toEqual({ metadata: { k: '' }, description: '' });
    expect(parseForm('')).toEqual({});
  });

  it('drops keys that would pollute prototypes', () => {
    const parsed = parseForm('metadata[__proto__][polluted]=yes&constructor[prototype][x]=1&a=b');
    expect(parsed).toEqual({ a: 'b' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('orders indexed arrays by index, not by arrival', () => {
    expect(parseForm('items[1]=b&items[0]=a')).toEqual({ items: ['a', 'b'] });
  });
});
