import type { ServiceDeclaration } from '../../contract/service.js';

/** Product reads: cache-aside in Redis over the read replicas. */
export const service: ServiceDeclaration = {
  name: 'catalog',
  database: 'replicas',
  cache: true,
  settings: ['cacheTtl'],
};
