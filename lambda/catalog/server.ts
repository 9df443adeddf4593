import { startServer } from '#shared/server.js';
import { buildCatalogApp } from './main.js';

void startServer(buildCatalogApp());
