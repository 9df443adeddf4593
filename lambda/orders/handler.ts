import { lambdaHandler } from '#shared/http.js';
import { buildOrdersApp } from './main.js';

export const handler = lambdaHandler(buildOrdersApp);
