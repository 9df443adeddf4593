import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { Redis } from 'ioredis';
import { pageKey, productKey } from '../../lambda/shared/catalog-cache.js';

/**
 * The floor of the catalog's Lambda path: a bare API Gateway proxy handler doing the same Redis reads
 * as the cached catalog read and returning the cached JSON as is. No framework, logs or metrics.
 */
const redis = new Redis({ host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379) });

export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  let body: string | null = null;
  if (event.path.startsWith('/products/')) body = await redis.get(productKey(event.path.slice('/products/'.length)));
  else if (event.path === '/products') {
    // The first page, as the benchmark reads it (a cursor would be decoded to its product id first).
    body = await redis.get(pageKey(Number(event.queryStringParameters?.limit ?? 20), undefined));
  }
  return body === null
    ? { statusCode: 404, headers: { 'content-type': 'application/json' }, body: '{"error":{"code":"NOT_FOUND"}}' }
    : { statusCode: 200, headers: { 'content-type': 'application/json' }, body };
}
