import type { ServiceDeclaration } from '../../contract/service.js';

/** Sign-up and sign-in; its authorizer verifies the tokens it signs. */
export const service: ServiceDeclaration = {
  name: 'auth',
  database: 'primary',
  secrets: ['tokenSigningKey'],
  functions: [
    {
      id: 'Authorizer',
      entry: 'authorizer.ts',
      // Its own name, so its faults are not the auth service's.
      serviceName: 'authorizer',
      role: 'tokenAuthorizer',
      secrets: ['tokenSigningKey'],
      outsideVpcReason:
        'The authorizer only reads the signing key from Secrets Manager (IAM-scoped, TLS); outside the VPC it starts faster and needs no NAT',
    },
  ],
};
