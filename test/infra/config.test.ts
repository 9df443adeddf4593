import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadStageConfig, STAGES, validateStageConfig } from '../../lib/config/index.js';

const prod = STAGES.prod as Record<string, unknown>;
const dev = STAGES.dev as Record<string, unknown>;
const invalid = (base: Record<string, unknown>, patch: Record<string, unknown>) => () =>
  validateStageConfig({ ...structuredClone(base), ...patch }, 'test');

describe('stage config', () => {
  test.each(['local', 'dev', 'staging', 'prod'])('%s is valid', (name) => {
    expect(loadStageConfig(name).stage).toBe(name);
  });

  test.each(Object.keys(STAGES))(
    '%s synthesizes offline: cdk.context.json holds the zones of its account, in its region and us-east-1',
    (name) => {
      const context = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.context.json'), 'utf8')) as Record<string, unknown>;
      const { account, region } = loadStageConfig(name).env;
      // Without them synth needs AWS credentials, and a test build quietly uses dummy zones.
      for (const r of new Set([region, 'us-east-1'])) expect(context[`availability-zones:account=${account}:region=${r}`]).toBeDefined();
    },
  );

  test('an unknown stage names the known ones', () => {
    expect(() => loadStageConfig('qa')).toThrow(
      "Unknown stage 'qa': pass -c stage=NAME with NAME one of local, local-containers, dev, staging, prod",
    );
  });

  test("local-containers is the local stage in the compute shape prod decides per service, at prod's minimum", () => {
    const shape = loadStageConfig('local-containers');
    expect(shape.stage).toBe('local');
    const prodServices = loadStageConfig('prod').services;
    for (const [name, compute] of Object.entries(shape.services)) {
      const inProd = prodServices[name as keyof typeof prodServices];
      expect(compute.kind).toBe(inProd.kind);
      if (compute.kind === 'fargate' && inProd.kind === 'fargate')
        expect([compute.minTasks, compute.maxTasks]).toEqual([inProd.minTasks, inProd.minTasks]);
    }
  });

  test('placeholder keys for tasks are refused outside an emulator', () => {
    const containers = {
      architecture: 'arm64',
      baseImage: 'x',
      loadBalancerAccess: { kind: 'vpcLink' },
      emulatorTaskEnvironment: { AWS_ACCESS_KEY_ID: 'test' },
    };
    expect(invalid(prod, { containers })).toThrow(/containers\.emulatorTaskEnvironment: only for an emulator/);
  });

  test('a negative replica count names the field and the bound', () => {
    const database = { ...(prod.database as object), readReplicas: -1 };
    expect(invalid(prod, { database })).toThrow(/database\.readReplicas: .*\(allowed: >= 0\)/);
  });

  test('a WAF limit below the service minimum names the field and the bound', () => {
    const waf = { ...(prod.waf as object), requestsPerIp: 5, loginRequestsPerIp: 5 };
    expect(invalid(prod, { waf })).toThrow(/waf\.requestsPerIp: .*\(allowed: >= 10\)/);
  });

  test('the login rule must be the stricter one', () => {
    const waf = { ...(prod.waf as object), requestsPerIp: 100, loginRequestsPerIp: 500 };
    expect(invalid(prod, { waf })).toThrow(/waf\.loginRequestsPerIp: must be <= waf\.requestsPerIp/);
  });

  test('a domain without a hosted zone id is rejected', () => {
    expect(invalid(dev, { domain: { name: 'shop.example.com' } })).toThrow(/domain\.hostedZoneId/);
  });

  test('fargate compute with zero tasks is rejected', () => {
    const services = { ...(prod.services as object), orders: { kind: 'fargate', minTasks: 0, maxTasks: 2 } };
    expect(invalid(prod, { services })).toThrow(/services\.orders\.minTasks: .*\(allowed: > 0\)/);
  });

  test('an unknown compute kind lists the allowed ones', () => {
    const services = { ...(prod.services as object), orders: { kind: 'ec2' } };
    expect(invalid(prod, { services })).toThrow(/services\.orders\.kind: .*'lambda' \| 'fargate'/);
  });

  test('an unknown removal policy lists the allowed ones', () => {
    expect(invalid(dev, { removalPolicy: 'keep' })).toThrow(/removalPolicy: .*\(allowed: "destroy", "retain", "snapshot"\)/);
  });

  test('deletion protection with a destroy policy is rejected', () => {
    expect(invalid(dev, { deletionProtection: true })).toThrow(/removalPolicy: deletionProtection needs/);
  });

  test('fargate without NAT cannot pull images', () => {
    const services = { ...(dev.services as object), catalog: { kind: 'fargate', minTasks: 1, maxTasks: 2 } };
    expect(invalid(dev, { services, network: { maxAzs: 2, natGateways: 0 } })).toThrow(/network\.natGateways/);
  });

  test('all problems are reported in one message', () => {
    expect(invalid(dev, { removalPolicy: 'keep', cacheTtlSeconds: 0 })).toThrow(
      /removalPolicy[\s\S]*cacheTtlSeconds|cacheTtlSeconds[\s\S]*removalPolicy/,
    );
  });
});
