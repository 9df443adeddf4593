import { startServer } from '#shared/http.js';
import { buildAuthApp } from './main.js';

void startServer(buildAuthApp());
