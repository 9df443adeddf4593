import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { loadEnv, tokenEnv } from '#shared/env.js';
import { bearerToken, tokenIssuerFromEnv } from '#shared/tokens.js';

const tokens = tokenIssuerFromEnv(loadEnv(tokenEnv));

/**
 * API Gateway TOKEN authorizer: allows a valid bearer token on the whole API (the result is cached
 * per token, so the policy must not be per-route) and passes `userId` to the integration.
 */
export async function handler(event: APIGatewayTokenAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  const token = bearerToken(event.authorizationToken);
  const userId = token ? await tokens.verify(token) : undefined;
  // API Gateway answers 401 exactly when the authorizer fails with this message.
  if (!userId) throw new Error('Unauthorized');
  const [arnPrefix, stage] = event.methodArn.split('/');
  return {
    principalId: userId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${arnPrefix}/${stage}/*` }],
    },
    context: { userId },
  };
}
