import autocannon from 'autocannon';
import { percentile } from './report.js';

export interface Run {
  readonly rps: number;
  readonly p99: number;
}

/**
 * `connections` autocannon clients on `url` for `duration` seconds, GETting `paths` in turn. Fails
 * on any error, non-2xx answer or timeout: a fast wrong answer is not a figure.
 */
export async function load(url: string, paths: readonly string[], duration: number, connections: number): Promise<Run> {
  let i = 0;
  // autocannon's own percentiles come from a histogram of whole milliseconds, too coarse when the
  // floor answers in 1 ms; each response's own time (process.hrtime, in ms) gives the exact p99.
  const times: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const run = autocannon(
      {
        url,
        connections,
        duration,
        requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length] }) }],
      },
      (err, res) => (err ? reject(err as Error) : resolve(res)),
    );
    run.on('response', (_client, _status, _bytes, responseTime) => times.push(responseTime));
  });
  if (result.errors > 0 || result.non2xx > 0 || result.timeouts > 0) {
    throw new Error(`${url}: ${result.errors} errors, ${result.non2xx} non-2xx, ${result.timeouts} timeouts`);
  }
  return {
    rps: result.requests.average,
    p99: percentile(
      times.sort((a, b) => a - b),
      99,
    ),
  };
}
