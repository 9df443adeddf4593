import { startServer } from '#shared/http.js';
import { buildPaymentsApp } from './main.js';

void startServer(buildPaymentsApp());
