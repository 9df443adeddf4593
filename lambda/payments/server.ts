import { startServer } from '#shared/server.js';
import { buildPaymentsApp } from './main.js';

void startServer(buildPaymentsApp());
