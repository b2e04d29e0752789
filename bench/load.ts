import autocannon from 'autocannon';

export interface LoadResult {
  name: string;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  total: number;
}

export interface LoadOptions {
  name: string;
  url: string;
  connections: number;
  durationSec: number;
  headers?: Record<string, string>;
  method?: 'GET' | 'POST';
  /** Picks each request's path and body; called for every request. */
  next?: () => { path: string; body?: string; headers?: Record<string, string> };
}

/** Runs one autocannon load and keeps the figures the tables report. */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: o.url,
    connections: o.connections,
    duration: o.durationSec,
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
  });
  return {
    name: o.name,
    requestsPerSec: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    total: result.requests.total,
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
