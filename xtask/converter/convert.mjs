// Reads a Swagger 2.0 or OpenAPI 3.0 document (JSON or YAML) and prints it as
// OpenAPI 3.0 JSON on stdout. Used by `cargo xtask import`; development only.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const YAML = require('yaml');
const swagger2openapi = require('swagger2openapi');

const [, , input] = process.argv;
if (!input) {
  console.error('usage: node convert.mjs <spec.json|spec.yaml>');
  process.exit(2);
}

const text = readFileSync(input, 'utf8');
let doc;
try {
  doc = JSON.parse(text);
} catch {
  doc = YAML.parse(text);
}

if (doc && doc.swagger === '2.0') {
  const { openapi } = await swagger2openapi.convertObj(doc, {});
  doc = openapi;
} else if (!doc || typeof doc.openapi !== 'string' || !doc.openapi.startsWith('3.0')) {
  console.error('input is neither Swagger 2.0 nor OpenAPI 3.0');
  process.exit(3);
}

process.stdout.write(JSON.stringify(doc));
