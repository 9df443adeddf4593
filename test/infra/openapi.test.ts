import * as fs from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import { ERRORS } from '../../contract/errors.js';
import { errorBodySchema } from '../../contract/responses.js';
import { ANSWER_EXAMPLES, REQUEST_EXAMPLES } from '../../contract/examples.js';
import { ANSWERS, type AnswerName, BODIES, type ModelName, ROUTES } from '../../contract/routes.js';
import { API_HTML_FILE, OPENAPI_FILE, openApiText } from '../../scripts/openapi.js';

const doc = JSON.parse(openApiText());
type Operation = { operationId: string; parameters?: { name: string; in: string; required: boolean }[]; responses: Record<string, any> };
const operations = Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
);

describe('docs/openapi.json', () => {
  test('is the one generated from the contract (run `npm run docs:openapi` after a change)', () => {
    expect(fs.readFileSync(OPENAPI_FILE, 'utf8')).toBe(openApiText());
  });

  test('docs/api.html renders this very document', () => {
    expect(fs.readFileSync(API_HTML_FILE, 'utf8')).toContain(JSON.stringify(doc));
  });

  test('is OpenAPI 3.1 with one operation per route of the contract, and nothing else', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(operations.map((o) => `${o.method} ${o.path}`).sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  test('every route states its sign-in, path parameters, headers and every status it answers', () => {
    for (const route of ROUTES) {
      const { op } = operations.find((o) => o.path === route.path && o.method === route.method)!;
      const params = (where: string) => (op.parameters ?? []).filter((p) => p.in === where);
      expect(params('path').map((p) => [p.name, p.required])).toEqual([...route.path.matchAll(/\{(\w+)\}/g)].map((m) => [m[1], true]));
      expect(params('header').map((p) => [p.name, p.required])).toEqual([
        ...(route.requiredHeaders ?? []).map((h) => [h, true]),
        ...(route.optionalHeaders ?? []).map((h) => [h, false]),
      ]);
      const statuses = Object.keys(op.responses).map(Number);
      expect(statuses).toContain(route.answer.status);
      for (const code of route.errors) expect(statuses).toContain(ERRORS[code]);
      if (route.signedIn) expect(statuses).toEqual(expect.arrayContaining([401, 403]));
      expect((op as any).security).toEqual(route.signedIn ? [{ bearer: [] }] : []);
    }
  });

  test('every error code of the contract is in the Error schema, each with its status', () => {
    expect(doc.components.schemas.Error.properties.error.properties.code.enum.sort()).toEqual(Object.keys(ERRORS).sort());
    for (const { op } of operations) {
      for (const [status, response] of Object.entries(op.responses)) {
        for (const example of Object.values((response.content['application/json'].examples ?? {}) as Record<string, any>)) {
          expect(ERRORS[example.value.error.code as keyof typeof ERRORS]).toBe(Number(status));
          expect(errorBodySchema.safeParse(example.value).success).toBe(true);
        }
      }
    }
  });

  test('every example is valid by the zod schema and by the document alike', () => {
    const ajv = new Ajv2020({ validateFormats: false });
    for (const [name, schema] of Object.entries(doc.components.schemas)) ajv.addSchema(schema as object, `#/components/schemas/${name}`);
    for (const name of Object.keys(BODIES) as ModelName[]) {
      const validate = ajv.getSchema(`#/components/schemas/${name}`)!;
      for (const [example, { value }] of Object.entries(REQUEST_EXAMPLES[name])) {
        expect([name, example, validate(value), BODIES[name].safeParse(value).success]).toEqual([name, example, true, true]);
      }
    }
    for (const name of Object.keys(ANSWERS) as AnswerName[]) {
      const validate = ajv.getSchema(`#/components/schemas/${name}`)!;
      expect([name, validate(ANSWER_EXAMPLES[name]), ANSWERS[name].safeParse(ANSWER_EXAMPLES[name]).success]).toEqual([name, true, true]);
    }
  });
});
