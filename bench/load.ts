import autocannon from 'autocannon';

export interface LoadResult {
  name: string;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  total: number;
  durationSec: number;
}

export interface LoadOptions {
  name: string;
  url: string;
  connections: number;
  /** Run for this long, or (with `amount`) until that many requests were answered. */
  durationSec?: number;
  amount?: number;
  headers?: Record<string, string>;
  method?: 'GET' | 'POST';
  /** Picks each request's path and body; called for every request. */
  next?: () => { path: string; body?: string; headers?: Record<string, string> };
  /** Called with every response's latency in ms (to merge percentiles over several runs). */
  onResponse?: (latencyMs: number) => void;
}

/** Runs one autocannon load and keeps the figures the tables report. */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const options: autocannon.Options = {
    url: o.url,
    connections: o.connections,
    ...(o.amount !== undefined ? { amount: o.amount } : { duration: o.durationSec ?? 10 }),
    method: o.method ?? 'GET',
    headers: o.headers,
    requests: o.next
      ? [
          {
            setupRequest: (req) => {
              const n = o.next!();
              return { ...req, path: n.path, body: n.body, headers: { ...req.headers, ...n.headers } };
            },
          },
        ]
      : undefined,
  };
  const startedAt = performance.now();
  let lastResponseAt = startedAt;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (err: unknown, r: autocannon.Result) => (err ? reject(err) : resolve(r)));
    instance.on('response', (_client, _status, _bytes, latencyMs) => {
      lastResponseAt = performance.now();
      o.onResponse?.(latencyMs);
    });
  });
  // autocannon notices a finished `amount` only at its next one-second tick: time to the last answer instead.
  const durationSec = o.amount !== undefined ? (lastResponseAt - startedAt) / 1000 : result.duration;
  return {
    name: o.name,
    // Answered requests over wall time: per-second sample averages undercount short runs.
    requestsPerSec: result.requests.total / durationSec,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    total: result.requests.total,
    durationSec,
  };
}

export function markdownTable(headers: string[], rows: (string | number)[][]): string {
  const fmt = (v: string | number) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : v);
  return [
    `| ${headers.join(' | ')} |`,
    `|${headers.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(fmt).join(' | ')} |`),
  ].join('\n');
}
