import { lambdaHandler } from '#shared/http.js';
import { buildCatalogApp } from './main.js';

export const handler = lambdaHandler(buildCatalogApp);
