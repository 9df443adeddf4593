import * as fs from 'node:fs';
import { loadStageConfig } from '../../lib/config/index.js';
import { HOP_ROWS, HOP_TABLE_STAGES, hopTable, hopTableBlock, README, readmeHopTable } from '../../scripts/hop-table.js';

describe('README hop table', () => {
  test('is the one generated from the stage configs (run `npm run docs:hops` after a change)', () => {
    expect(readmeHopTable(fs.readFileSync(README, 'utf8'))).toBe(hopTableBlock());
  });

  test('has a column per stage config and a row per hop, and follows the configs', () => {
    const rows = hopTable().split('\n');
    expect(rows).toHaveLength(2 + HOP_ROWS.length);
    const cells = (hop: string) =>
      rows
        .find((r) => r.startsWith(`| ${hop} |`))!
        .split(' | ')
        .slice(1);
    HOP_TABLE_STAGES.forEach(({ config: name }, i) => {
      const config = loadStageConfig(name);
      expect(cells('Network (VPC)')[i]).toContain(`${config.network.maxAzs} AZ`);
      expect(cells('Services')[i].includes('Fargate')).toBe(Object.values(config.services).some((s) => s.kind === 'fargate'));
      expect(cells('Load balancer (ALB)')[i].startsWith('none')).toBe(Object.values(config.services).every((s) => s.kind === 'lambda'));
      expect(cells('DNS (Route 53)')[i].startsWith('none')).toBe(config.domain === undefined);
      if (config.database.kind === 'rds') expect(cells('Database (PostgreSQL)')[i]).toContain(`\`${config.database.instanceType}\``);
      if (config.cache.kind === 'elasticache') expect(cells('Cache (Redis)')[i]).toContain(`\`${config.cache.nodeType}\``);
    });
  });
});
