import { lambdaHandler } from '#shared/http.js';
import { buildPaymentsApp } from './main.js';

export const handler = lambdaHandler(buildPaymentsApp);
