// Sums the vitest JSON reports of every package and prints the line CI reads: `N passed, N failed`.
// Exits non-zero when a report is missing or a test failed, so a silent runner cannot pass.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const group of ['packages', 'examples', 'bench']) {
  const base = join(root, group);
  if (!existsSync(base)) continue;
  const dirs = group === 'bench' ? [base] : readdirSync(base).map((d) => join(base, d));
  for (const dir of dirs) {
    if (!existsSync(join(dir, 'vitest.config.ts'))) continue;
    const report = join(dir, '.vitest', 'results.json');
    if (!existsSync(report)) {
      missing.push(dir.slice(root.length));
      continue;
    }
    const r = JSON.parse(readFileSync(report, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0);
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  }
}
if (missing.length > 0) console.error(`no vitest report in: ${missing.join(', ')}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || missing.length > 0 || passed === 0 ? 1 : 0);
