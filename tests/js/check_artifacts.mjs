// Validate a dbt project's target/run_results.json and target/manifest.json
// with ajv against the schemas in ./schemas (written from dbt's artifact
// documentation), and check that the maps agree with each other.
// usage: node check_artifacts.mjs PROJECT_DIR
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';

const dir = process.argv[2];
const here = new URL('.', import.meta.url).pathname;
const ajv = new Ajv({ allErrors: true, strict: false });
let bad = 0;
for (const [file, schema] of [['run_results.json', 'run_results_v6.json'], ['manifest.json', 'manifest_v12.json']]) {
  const doc = JSON.parse(readFileSync(`${dir}/target/${file}`, 'utf8'));
  const validate = ajv.compile(JSON.parse(readFileSync(`${here}schemas/${schema}`, 'utf8')));
  if (!validate(doc)) {
    bad++;
    console.error(`${file}: ${ajv.errorsText(validate.errors, { separator: '\n  ' })}`);
  }
}
const m = JSON.parse(readFileSync(`${dir}/target/manifest.json`, 'utf8'));
for (const [id, parents] of Object.entries(m.parent_map)) {
  for (const p of parents) {
    if (!m.child_map[p] || !m.child_map[p].includes(id)) {
      bad++;
      console.error(`child_map of ${p} lacks ${id}`);
    }
  }
}
if (bad) process.exit(1);
console.log('artifacts valid');
