import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { type CaseResult, DATOMKIT, type Target } from './harness.js';

/** Everything one `pnpm bench` run found, as written to `results/latest.json`. */
export interface BenchReport {
  readonly date: string;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly memoryGiB: number;
    readonly platform: string;
    readonly arch: string;
    readonly osRelease: string;
  };
  readonly node: string;
  readonly v8: string;
  readonly config: {
    readonly warmup: number;
    readonly runs: number;
    readonly gcExposed: boolean;
    readonly filter: string | null;
    /** 1, 5 and 15-minute load averages when the run started: other work on the machine skews timings. */
    readonly loadAverageAtStart: readonly number[];
  };
  /** The same at the end of the run. */
  readonly loadAverageAtEnd: readonly number[];
  readonly cases: readonly CaseResult[];
}

export function makeReport(cases: readonly CaseResult[], config: BenchReport['config']): BenchReport {
  return {
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      platform: process.platform,
      arch: process.arch,
      osRelease: release(),
    },
    node: process.version,
    v8: process.versions.v8,
    config,
    loadAverageAtEnd: loadavg().map((x) => Math.round(x * 100) / 100),
    cases,
  };
}

function fmt(x: number | undefined): string {
  if (x === undefined) return '-';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

function targetText(t: Target | null, unit: string): string {
  if (t === null) return '-';
  return t.kind === 'speedup' ? `>= ${t.min}x ${t.peer}` : `<= ${t.max} ${unit}`;
}

/** The peers in the order they first appear, datomkit first. */
function sideNames(cases: readonly CaseResult[]): string[] {
  const names = new Set<string>([DATOMKIT]);
  for (const c of cases) for (const n of Object.keys(c.sides)) names.add(n);
  return [...names];
}

function rows(report: BenchReport): string[][] {
  const names = sideNames(report.cases);
  const peers = names.filter((n) => n !== DATOMKIT);
  const header = [
    'case',
    'unit',
    ...names.map((n) => `${n} median (min)`),
    ...peers.map((p) => `${p}/datomkit`),
    'target',
    'status',
  ];
  const body = report.cases.map((c) => [
    `${c.group}/${c.name}`,
    c.metric,
    ...names.map((n) => {
      const s = c.sides[n];
      return s === undefined ? '-' : `${fmt(s.median)} (${fmt(s.min)})`;
    }),
    ...peers.map((p) => (c.ratios[p] === undefined ? '-' : `${c.ratios[p]?.toFixed(2)}x`)),
    targetText(c.target, c.metric),
    c.status,
  ]);
  return [header, ...body];
}

/** The results as an aligned plain-text table for the terminal. */
export function textTable(report: BenchReport): string {
  const table = rows(report);
  const widths = table[0]?.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length))) ?? [];
  const line = (r: string[]) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const [head, ...body] = table;
  return [line(head ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** The results as a markdown page. */
export function markdown(report: BenchReport): string {
  const [head, ...body] = rows(report);
  const m = report.machine;
  const lines = [
    '# datomkit benchmarks: latest run',
    '',
    `${report.date}, Node ${report.node}, ${m.cpu} (${m.cores} cores, ${m.memoryGiB} GiB), ${m.platform} ${m.arch}.`,
    `${report.config.warmup} warm-up and ${report.config.runs} measured runs per side, ` +
      `${report.config.gcExposed ? 'full GC before each run' : 'no --expose-gc: GC not forced'}` +
      `${report.config.filter === null ? '' : `, filter \`${report.config.filter}\``}; ` +
      'the sides take turns run by run.',
    `Load average (1/5/15 min) at start ${report.config.loadAverageAtStart.join(' / ')}, at end ${report.loadAverageAtEnd.join(' / ')}.`,
    'Ratios are peer median / datomkit median: 5.0x means datomkit is five times faster (or smaller).',
    ...(report.cases.some((c) => c.status === 'PENDING')
      ? ['PENDING: datomkit has no side yet (`@datomkit/datom-core` does not export `connect`).']
      : []),
    '',
    `| ${(head ?? []).join(' | ')} |`,
    `|${(head ?? []).map(() => '---').join('|')}|`,
    ...body.map((r) => `| ${r.join(' | ')} |`),
    '',
    '## Cases',
    '',
    ...report.cases.map((c) => `- **${c.group}/${c.name}**: ${c.description}.`),
    '',
    'Every sample is in [`latest.json`](latest.json). Run with `pnpm bench` at the root',
    '(`BENCH_RUNS`, `BENCH_WARMUP`, `BENCH_FILTER` to narrow it).',
    '',
  ];
  return lines.join('\n');
}

export function writeReport(report: BenchReport, jsonPath: string, mdPath: string): void {
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(mdPath, markdown(report));
}
