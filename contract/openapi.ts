import { ERROR_DESCRIPTIONS } from './error-descriptions.js';
import { ERRORS, type ErrorCode } from './errors.js';
import { ANSWER_EXAMPLES, REQUEST_EXAMPLES, VALIDATION_DETAILS } from './examples.js';
import { errorBodySchema } from './responses.js';
import { jsonSchemaOf } from './json-schema.js';
import { idSchema } from './schemas.js';
import { ANSWERS, BODIES, COMMON_ERRORS, HEADERS, pathParams, type Route, ROUTES, SIGNED_IN_ERRORS } from './routes.js';

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });

/** The error codes a route can answer, by status: its own, the gateway's and the app shell's. */
function errorsByStatus(route: Route): Map<number, ErrorCode[]> {
  const codes = new Set<ErrorCode>([...route.errors, ...COMMON_ERRORS, ...(route.signedIn ? SIGNED_IN_ERRORS : [])]);
  // The gateway's validator answers VALIDATION_FAILED for a body or a required header it refuses.
  if (route.body || route.requiredHeaders) codes.add('VALIDATION_FAILED');
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of [...codes].sort()) {
    const status = ERRORS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return new Map([...byStatus].sort(([a], [b]) => a - b));
}

const errorExample = (code: ErrorCode): Json => ({
  summary: ERROR_DESCRIPTIONS[code],
  value: { error: { code, message: ERROR_DESCRIPTIONS[code], details: code === 'VALIDATION_FAILED' ? VALIDATION_DETAILS : [] } },
});

function operation(route: Route): Json {
  const query = route.query
    ? (jsonSchemaOf(route.query, 'draft-2020-12') as { properties: Record<string, Json>; required?: string[] })
    : undefined;
  const parameters = [
    ...pathParams(route.path).map((name) => ({ name, in: 'path', required: true, schema: jsonSchemaOf(idSchema, 'draft-2020-12') })),
    ...Object.entries(query?.properties ?? {}).map(([name, schema]) => ({
      name,
      in: 'query',
      required: query?.required?.includes(name) ?? false,
      schema,
    })),
    ...[...(route.requiredHeaders ?? []), ...(route.optionalHeaders ?? [])].map((name) => ({
      name,
      in: 'header',
      required: route.requiredHeaders?.includes(name) ?? false,
      description: HEADERS[name].description,
      schema: jsonSchemaOf(HEADERS[name].schema, 'draft-2020-12'),
    })),
  ];
  const responses: Json = {
    [route.answer.status]: {
      description: route.answer.description,
      content: { 'application/json': { schema: ref(route.answer.body), example: ANSWER_EXAMPLES[route.answer.body] } },
    },
  };
  for (const [status, codes] of errorsByStatus(route)) {
    responses[status] = {
      description: codes.map((c) => `\`${c}\`: ${ERROR_DESCRIPTIONS[c]}`).join('; '),
      content: {
        'application/json': { schema: ref('Error'), examples: Object.fromEntries(codes.map((c) => [c, errorExample(c)])) },
      },
    };
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.service],
    security: route.signedIn ? [{ bearer: [] }] : [],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref(route.body), examples: REQUEST_EXAMPLES[route.body] } },
          },
        }
      : {}),
    responses,
  };
}

/**
 * The contract as an OpenAPI 3.1 document (`npm run docs:openapi` writes it to docs/openapi.json).
 * Schemas are JSON Schema 2020-12, the dialect of OpenAPI 3.1, generated from the same zod schemas
 * the services parse with: request bodies as a client may send them, answers as the services write them.
 */
export function openApiDocument(version: string): Json {
  const paths: Record<string, Json> = {};
  for (const route of ROUTES) paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation(route) };
  const schemas = Object.fromEntries([
    ...Object.entries(BODIES).map(([name, schema]) => [name, jsonSchemaOf(schema, 'draft-2020-12', 'input')]),
    ...Object.entries(ANSWERS).map(([name, schema]) => [name, jsonSchemaOf(schema, 'draft-2020-12', 'output')]),
    ['Error', jsonSchemaOf(errorBodySchema, 'draft-2020-12', 'output')],
  ]);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Storefront API',
      version,
      license: { name: 'MIT-0', identifier: 'MIT-0' },
      description:
        'The public HTTP API of the Storefront shop, generated from its contract (`contract/`). Every error answer has the shape `{error: {code, message, details}}`; each code has one status. Any other method on a documented path is answered 405 with `Allow`.',
    },
    servers: [{ url: '/api', description: 'The shop, behind its CloudFront distribution' }],
    tags: [
      { name: 'auth', description: 'Accounts and tokens' },
      { name: 'catalog', description: 'Products' },
      { name: 'orders', description: 'Orders (signed in)' },
      { name: 'payments', description: 'Payments (signed in)' },
    ],
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The token of `POST /auth/login`' },
      },
    },
  };
}
