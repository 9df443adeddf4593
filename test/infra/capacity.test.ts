import { loadStageConfig } from '../../lib/config/index.js';
import { capacity } from '../../scripts/capacity.js';

const figure = (value: number, unit: string) => ({ value, unit, what: 'test figure', measured: '2026-12-01T00:00:00.000Z', by: 'test' });

describe('npm run capacity', () => {
  test('prod: the API write throttle bounds orders, SES saturates first, every hop is listed', () => {
    const out = capacity(loadStageConfig('prod'), { 'email.shareOfLimit': figure(0.95, 'share') }, 10_000);
    for (const hop of ['WAF, per client IP', 'API Gateway stage', 'API Gateway, each write method', 'PostgreSQL primary', 'Redis', 'SES']) {
      expect(out).toContain(`| ${hop}`);
    }
    expect(out).toContain('the API takes up to **200 orders/s** (API Gateway, each write method limits first)');
    // 14/s configured, held at 95 %: 13.3/s, so 10,000 confirmations take 12.5 minutes.
    expect(out).toContain('Confirmations leave at **13.3/s**');
    expect(out).toContain('10,000 orders drains in 12.5 min');
    expect(out).toContain('**SES is the first hop to saturate**');
  });

  test('per-task figures come from the benchmarks, scaled to the task size, and say when they were measured', () => {
    const out = capacity(loadStageConfig('prod'), { 'catalog.containerProductReadRps': figure(10_000, 'requests/s') }, 1);
    // prod runs catalog on 2-10 tasks of 0.5 vCPU.
    expect(out).toContain('2-10 tasks × 5,000/s = 10,000-50,000 reads/s');
    expect(out).toContain('10,000/s per core: test, 2026-12-01');
    expect(out).toContain('Cached product reads: up to **2,000/s** (API Gateway stage limits first)');
  });

  test('without a measured figure the model says so instead of guessing', () => {
    const out = capacity(loadStageConfig('dev'), {}, 100);
    expect(out).toContain('time per request not benchmarked');
    expect(out).toContain('not measured');
  });
});
