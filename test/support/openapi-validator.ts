import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const DOCUMENT_ID = 'upstream-openapi.json';
const document = JSON.parse(readFileSync(new URL('../fixtures/upstream-openapi.json', import.meta.url), 'utf8')) as {
  components: { schemas: Record<string, unknown> };
};

// OpenAPI 3.1 schemas are JSON Schema 2020-12; annotation keywords (title, description) are fine,
// and strict mode is off because the document is the client's, not ours to tidy.
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: DOCUMENT_ID, components: document.components });

const compiled = new Map<string, ValidateFunction>();

/**
 * Validates `body` against `#/components/schemas/<schemaName>` of the reference OpenAPI document
 * (test/fixtures/upstream-openapi.json); returns the errors, or null when it is valid.
 */
export function validateAgainst(schemaName: string, body: unknown): ErrorObject[] | null {
  if (!(schemaName in document.components.schemas)) throw new Error(`no schema ${schemaName} in the reference document`);
  let validate = compiled.get(schemaName);
  if (!validate) {
    validate = ajv.getSchema(`${DOCUMENT_ID}#/components/schemas/${schemaName}`);
    if (!validate) throw new Error(`cannot compile ${schemaName}`);
    compiled.set(schemaName, validate);
  }
  return validate(body) ? null : (validate.errors ?? []);
}
