import * as fs from 'node:fs';
import { loadStageConfig } from '../../lib/config/index.js';
import { COST_PAGE, COST_STAGES, FIXED_ITEMS, generateCostPage, loadPrices, stageResources } from '../../scripts/cost.js';

// Three stages synthesized in process (cdk-nag included): well past Jest's default 5 s.
const SYNTH_TIMEOUT_MS = 300_000;

describe('docs/cost.md', () => {
  test(
    'is the page generated from the templates and docs/prices.json (run `npm run docs:cost` after a change)',
    () => {
      expect(fs.readFileSync(COST_PAGE, 'utf8')).toBe(generateCostPage());
    },
    SYNTH_TIMEOUT_MS,
  );

  test(
    "prices what prod's template holds: its NAT gateways, database instances and cache nodes, from its config",
    () => {
      const prices = loadPrices();
      const config = loadStageConfig('prod');
      const resources = stageResources('prod');
      const line = (label: string) => FIXED_ITEMS.find((i) => i.label.startsWith(label))!.cost(resources, prices);
      const month = prices.hoursPerMonth;
      expect(line('NAT gateways').monthly).toBeCloseTo(
        config.network.natGateways * (prices.fixed.natGatewayHour + prices.fixed.publicIpv4AddressHour) * month,
      );
      if (config.database.kind !== 'rds' || config.cache.kind !== 'elasticache') throw new Error('prod runs RDS and ElastiCache');
      const instanceHour = prices.fixed.rdsPostgresInstanceHour[`db.${config.database.instanceType}`];
      expect(line('RDS PostgreSQL').monthly).toBeCloseTo(
        instanceHour * ((config.database.multiAz ? 2 : 1) + config.database.readReplicas) * month,
      );
      expect(line('ElastiCache').monthly).toBeCloseTo(
        prices.fixed.elastiCacheNodeHour[config.cache.nodeType] * (1 + config.cache.replicas) * month,
      );
    },
    SYNTH_TIMEOUT_MS,
  );

  test('names its prices: their date and region head the page', () => {
    const prices = loadPrices();
    expect(prices.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(fs.readFileSync(COST_PAGE, 'utf8')).toContain(`list prices for ${prices.region} as of ${prices.date}`);
    expect(COST_STAGES).toEqual(['dev', 'staging', 'prod']);
  });
});
