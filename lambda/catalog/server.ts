import { startServer } from '#shared/http.js';
import { buildCatalogApp } from './main.js';

void startServer(buildCatalogApp());
