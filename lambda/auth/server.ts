import { startServer } from '#shared/server.js';
import { buildAuthApp } from './main.js';

void startServer(buildAuthApp());
