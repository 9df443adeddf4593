import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { loadEnv, tokenEnv } from '#shared/env.js';
import { logger, metrics } from '#shared/observability.js';
import { bearerToken, type TokenIssuer, tokenIssuerFromEnv } from '#shared/tokens.js';

/**
 * The metric a fault of the authorizer (not a rejected token) adds to: alarms and the canary gate
 * watch it, because Lambda counts every rejection as an error too. The CDK app names the same metric
 * (`FAULTS_METRIC`, lib/constructs/service-function.ts); test/services/auth.test.ts checks they agree.
 */
export const AUTHORIZER_FAULTS = 'Faults';

/**
 * API Gateway TOKEN authorizer: allows a valid bearer token on the whole API (the result is cached
 * per token, so the policy must not be per-route) and passes `userId` to the integration.
 *
 * API Gateway answers 401 only when the function fails with the message `Unauthorized`, so a
 * rejected token is a thrown error, which Lambda counts in `Errors`. That metric is therefore never
 * alarmed for this function: a rejection adds to `TokensRejected`, a fault (the signing key cannot
 * be read: API Gateway answers 500) to `Faults`.
 */
export function tokenAuthorizer(tokens: TokenIssuer) {
  return async (event: APIGatewayTokenAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const token = bearerToken(event.authorizationToken);
    let userId: string | undefined;
    try {
      userId = token ? await tokens.verify(token) : undefined;
    } catch (error) {
      logger.error('authorizer fault', { error });
      metrics.addMetric(AUTHORIZER_FAULTS, MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
      throw new Error('Authorizer fault');
    }
    if (!userId) {
      metrics.addMetric('TokensRejected', MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
      throw new Error('Unauthorized');
    }
    const [arnPrefix, stage] = event.methodArn.split('/');
    return {
      principalId: userId,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${arnPrefix}/${stage}/*` }],
      },
      context: { userId },
    };
  };
}

export const handler = tokenAuthorizer(tokenIssuerFromEnv(loadEnv(tokenEnv)));
