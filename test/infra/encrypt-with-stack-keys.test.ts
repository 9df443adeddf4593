import { App, Aspects, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EncryptWithStackKeys } from '../../lib/aspects/encrypt-with-stack-keys.js';
import { skipCheckov } from '../../lib/constructs/checkov.js';
import { buildStage, stacksOf } from './support/stage.js';

function build() {
  const app = new App();
  const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
  new logs.LogGroup(stack, 'Logs');
  const topic = new sns.Topic(stack, 'Topic');
  skipCheckov(topic, { id: 'CKV_AWS_26', comment: 'no key would do' });
  new secretsmanager.Secret(stack, 'Secret');
  Aspects.of(app).add(new EncryptWithStackKeys({ removalPolicy: RemovalPolicy.RETAIN }));
  return Template.fromStack(stack);
}

describe('EncryptWithStackKeys', () => {
  const template = build();
  const keyId = Object.keys(template.findResources('AWS::KMS::Key'))[0];
  const statements = () => Object.values(template.findResources('AWS::KMS::Key'))[0].Properties.KeyPolicy.Statement as any[];

  test('one rotated, retained key per stack encrypts its log groups, topics and secrets', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResource('AWS::KMS::Key', { Properties: { EnableKeyRotation: true }, DeletionPolicy: 'Retain' });
    const ref = { 'Fn::GetAtt': [keyId, 'Arn'] };
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: ref });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: ref });
    template.hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: ref });
  });

  test("CloudWatch Logs may use it for this account's log groups only", () => {
    expect(statements()).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
        Condition: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:eu-west-1:111111111111:log-group:*']],
            },
          },
        },
      }),
    );
  });

  test('CloudWatch alarms and SES may publish to the topics; the topic loses its no-key checkov skip', () => {
    expect(statements()).toContainEqual(
      expect.objectContaining({
        Principal: { Service: ['cloudwatch.amazonaws.com', 'ses.amazonaws.com'] },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
    const topic = Object.values(template.findResources('AWS::SNS::Topic'))[0];
    expect(topic.Metadata.checkov.skip).toEqual([]);
  });

  test("secrets: the account's principals, only through Secrets Manager (the aws/secretsmanager key's policy)", () => {
    expect(statements()).toContainEqual(
      expect.objectContaining({
        Principal: { AWS: '*' },
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com', 'kms:CallerAccount': '111111111111' } },
      }),
    );
  });

  test('prod: no log group, topic or secret of any stack without the key; local: none at all', () => {
    const prod = buildStage('prod').stage;
    for (const stack of stacksOf(prod)) {
      const t = Template.fromStack(stack);
      for (const [type, prop] of [
        ['AWS::Logs::LogGroup', 'KmsKeyId'],
        ['AWS::SNS::Topic', 'KmsMasterKeyId'],
        ['AWS::SecretsManager::Secret', 'KmsKeyId'],
      ]) {
        const key = Object.keys(t.findResources('AWS::KMS::Key'))[0];
        for (const r of Object.values(t.findResources(type))) expect(r.Properties[prop]).toEqual({ 'Fn::GetAtt': [key, 'Arn'] });
      }
    }
    const local = buildStage('local').stage;
    for (const stack of stacksOf(local)) Template.fromStack(stack).resourceCountIs('AWS::KMS::Key', 0);
  });
});
