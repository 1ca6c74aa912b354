// Sums the vitest JSON reports of every package and prints the line CI reads: `N passed, N failed`.
// Exits non-zero when a report is missing or a test failed, so a silent runner cannot pass.
//   node .ci/summarize.mjs                 sums the reports of the last test run
//   node .ci/summarize.mjs --record FILE   the same, also writes the totals to FILE as JSON and
//                                          removes the reports (so the next leg cannot reuse them)
//   node .ci/summarize.mjs --sum FILE...   sums recorded totals: one line for all of CI's Node legs
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const [mode, ...files] = process.argv.slice(2);

function line(t) {
  return `${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`;
}

function done(t) {
  if (t.missing.length > 0) console.error(`no vitest report in: ${t.missing.join(', ')}`);
  console.log(line(t));
  process.exit(t.failed > 0 || t.missing.length > 0 || t.passed === 0 ? 1 : 0);
}

if (mode === '--sum') {
  const total = { passed: 0, failed: 0, skipped: 0, missing: [] };
  for (const file of files) {
    const label = basename(file, '.json');
    const t = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { passed: 0, failed: 0, skipped: 0, missing: ['everything'] };
    console.error(`${label}: ${line(t)}`);
    total.passed += t.passed;
    total.failed += t.failed;
    total.skipped += t.skipped;
    total.missing.push(...t.missing.map((m) => `${m} (${label})`));
  }
  if (files.length === 0) total.missing.push('every leg');
  done(total);
}

const totals = { passed: 0, failed: 0, skipped: 0, missing: [] };
const reports = [];
for (const group of ['packages', 'examples', 'bench']) {
  const base = join(root, group);
  if (!existsSync(base)) continue;
  const dirs = group === 'bench' ? [base] : readdirSync(base).map((d) => join(base, d));
  for (const dir of dirs) {
    if (!existsSync(join(dir, 'vitest.config.ts'))) continue;
    const report = join(dir, '.vitest', 'results.json');
    if (!existsSync(report)) {
      totals.missing.push(dir.slice(root.length));
      continue;
    }
    reports.push(report);
    const r = JSON.parse(readFileSync(report, 'utf8'));
    totals.passed += r.numPassedTests;
    totals.failed += r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0);
    totals.skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  }
}
if (mode === '--record') {
  writeFileSync(files[0], JSON.stringify(totals));
  for (const report of reports) rmSync(report);
}
done(totals);
