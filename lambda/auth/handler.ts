import { lambdaHandler } from '#shared/http.js';
import { buildAuthApp } from './main.js';

export const handler = lambdaHandler(buildAuthApp);
