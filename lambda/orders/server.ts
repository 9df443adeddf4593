import { startServer } from '#shared/http.js';
import { buildOrdersApp } from './main.js';

void startServer(buildOrdersApp());
