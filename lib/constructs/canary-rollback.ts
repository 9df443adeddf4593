import { Duration } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import type { Construct } from 'constructs';
import { runbook } from './runbook.js';

/**
 * Every canary also rolls back on the API's answers: a new version that turns requests into 5xx
 * (whatever it logs or throws) is a fault, a 4xx (a bad token, a bad body) is not. One alarm,
 * `CanaryApi5xx` in `scope`, shared by the groups; none without a group.
 */
export function rollBackOnApi5xx(scope: Construct, api: apigateway.RestApi, groups: readonly codedeploy.LambdaDeploymentGroup[]): void {
  if (groups.length === 0) return;
  const api5xx = new cloudwatch.Alarm(scope, 'CanaryApi5xx', {
    metric: api.metricServerError({ period: Duration.minutes(1), statistic: cloudwatch.Stats.SUM }),
    alarmDescription: `API 5xx answers during a deployment roll the canary back. Runbook: ${runbook('api-5xx-rate')}`,
    threshold: 5,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  for (const group of groups) group.addAlarm(api5xx);
}
