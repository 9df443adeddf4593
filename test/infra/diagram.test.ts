import * as fs from 'node:fs';
import { loadStageConfig } from '../../lib/config/index.js';
import { buildDiagramStage, DIAGRAM_STAGE, diagramBlock, readmeDiagram, README, requestPathDiagram } from '../../scripts/diagram.js';

describe('README request-path diagram', () => {
  const stage = buildDiagramStage();

  test('is the one generated from the construct tree (run `npm run docs:diagram` after a change)', () => {
    expect(readmeDiagram(fs.readFileSync(README, 'utf8'))).toBe(diagramBlock(stage));
  });

  test('follows the code: compute per service, replica counts and WAF limits come from the stage', () => {
    const config = loadStageConfig(DIAGRAM_STAGE);
    const diagram = requestPathDiagram(stage);
    for (const [service, compute] of Object.entries(config.services)) {
      const id = service.toUpperCase();
      expect(diagram).toContain(compute.kind === 'fargate' ? `ALB --> ${id}` : `APIGW --> ${id}`);
    }
    expect(diagram.includes('APIGW -->|VPC link| ALB')).toBe(Object.values(config.services).some((c) => c.kind === 'fargate'));
    if (config.database.kind === 'rds') expect(diagram).toContain(`primary + ${config.database.readReplicas} read replicas`);
    if (config.cache.kind === 'elasticache') expect(diagram).toContain(`1 primary + ${config.cache.replicas} replicas`);
    const window = `${(config.waf.evaluationWindowSeconds ?? 300) / 60}min`;
    expect(diagram).toContain(
      `WAF CLOUDFRONT<br/>/api/auth/login ${config.waf.loginRequestsPerIp}/${window}, ${config.waf.requestsPerIp}/${window}`,
    );
    expect(diagram.includes('U --> R53')).toBe(config.domain !== undefined);
  });
});
