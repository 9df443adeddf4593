import { startServer } from '#shared/server.js';
import { buildOrdersApp } from './main.js';

void startServer(buildOrdersApp());
