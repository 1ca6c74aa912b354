import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printEdn } from '@datomkit/datom-core';
import { catalogSchemaEdn, generateCatalog } from '@datomkit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cli, interruptWhen, jsonDoc, tempDir } from './helpers.js';
import { HAS_TMUX, NO_TMUX, TmuxSession } from './pty.js';

const tmp = tempDir();
const cwd = tmp.dir;
afterAll(() => tmp.cleanup());

function catalogFile(name: string, datoms: number, seed: number): void {
  const txs = [...generateCatalog({ datoms, seed })].map((tx) => printEdn(tx));
  writeFileSync(join(cwd, name), `${catalogSchemaEdn()}\n${txs.join('\n')}\n`);
}

beforeAll(() => {
  catalogFile('small.edn', 5000, 11);
  expect(cli(['create', 'file:./src'], { cwd }).code).toBe(0);
  expect(cli(['transact', 'file:./src', 'small.edn'], { cwd }).code).toBe(0);
});

describe('restore and verify', () => {
  it('current-state restore creates the destination and copies everything; verify finds them equal', () => {
    const r = cli(['restore', 'file:./src', 'file:./copy', '--json'], { cwd });
    expect(r.code).toBe(0);
    const { result } = jsonDoc(r);
    expect(result).toMatchObject({ mode: 'current-state', source: 'file:./src', dest: 'file:./copy', resumed: false });
    expect(result.stats.datomsWritten).toBeGreaterThan(4900);
    const v = cli(['verify', 'file:./src', 'file:./copy'], { cwd });
    expect(v.code).toBe(0);
    expect(v.stderr).toMatch(/✓ equal: \d+ attributes, [\d,]+ datoms/);
  });

  it('a second current-state restore into the same copy is refused with a one-line error', () => {
    const r = cli(['restore', 'file:./src', 'file:./copy'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error restore\//);
  });

  it('restore refuses a destination or state database that is the source, however it is spelled, and changes nothing', () => {
    const before = jsonDoc(cli(['info', 'file:./src', '--json'], { cwd })).result.datoms as number;
    for (const args of [
      ['./src', './src', '--merge'],
      ['file:./src', `file:${join(cwd, 'src')}`, '--merge'],
      ['./src', './src-state-copy', '--incremental', '--state', './src'],
    ]) {
      const r = cli(['restore', ...args], { cwd });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/^error restore\/same-database: .*(destination|state) database is the source database/m);
    }
    expect(jsonDoc(cli(['info', 'file:./src', '--json'], { cwd })).result.datoms).toBe(before);
  });

  it('verify of two databases that are not source and copy says so (exit 1), and which way round they are', () => {
    expect(cli(['create', 'file:./unrelated'], { cwd }).code).toBe(0);
    expect(cli(['transact', 'file:./unrelated', 'small.edn'], { cwd }).code).toBe(0);
    const r = cli(['verify', 'file:./src', 'file:./unrelated'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error restore\/not-a-copy: file:\.\/unrelated is not a restored copy of file:\.\/src \(.+\): it was not restored from any database\./);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    const swapped = cli(['verify', 'file:./copy', 'file:./src', '--json'], { cwd });
    expect(swapped.code).toBe(1);
    expect(jsonDoc(swapped).error.code).toBe('restore/not-a-copy');
    expect(jsonDoc(swapped).error.hint).toContain('swap them, datomkit verify file:./src file:./copy');
  });

  it('--exclude leaves attributes out; verify then reports the difference with exit 3, and --ignore accepts it', () => {
    const r = cli(['restore', 'file:./src', 'file:./scrubbed', '--exclude', 'artist/homepage,label/website', '--batch-size', '200'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('created the destination database file:./scrubbed');
    const scrubbed = jsonDoc(cli(['datoms', 'file:./scrubbed', 'aevt', ':artist/homepage', '--json'], { cwd })).result;
    expect(scrubbed.count).toBe(0);
    const v = cli(['verify', 'file:./src', 'file:./scrubbed', '--json'], { cwd });
    expect(v.code).toBe(3);
    const report = jsonDoc(v).result;
    expect(report.equal).toBe(false);
    expect(report.missing).toBe(report.attributes.filter((a: { ident: string }) => /homepage|website/.test(a.ident)).reduce((n: number, a: { source: number }) => n + a.source, 0));
    expect(cli(['verify', 'file:./src', 'file:./scrubbed', '--ignore', 'artist/homepage', '--ignore', 'label/website'], { cwd }).code).toBe(0);
  });

  it('incremental: the first run copies, later runs replay new source transactions; verify is then equal', () => {
    const args = ['restore', 'file:./src', 'file:./clone', '--incremental', '--state', 'file:./state', '--json'];
    const first = jsonDoc(cli(args, { cwd }));
    expect(first.result).toMatchObject({ mode: 'incremental', status: 'initial', transactionsReplayed: 0 });
    expect(cli(['transact', 'file:./src'], { cwd, input: '[{:label/gid #uuid "6f1d3c1a-0000-4000-8000-0000000000aa" :label/name "New Label"}] [{:label/gid #uuid "6f1d3c1a-0000-4000-8000-0000000000aa" :label/founded 2024}]' }).code).toBe(0);
    expect(cli(['verify', 'file:./src', 'file:./clone'], { cwd }).code).toBe(3);
    const next = cli(args.slice(0, -1), { cwd });
    expect(next.code).toBe(0);
    expect(next.stderr).toMatch(/✓ replayed 2 transactions; file:\.\/clone is at source t \d+/);
    expect(cli(['verify', 'file:./src', 'file:./clone'], { cwd }).code).toBe(0);
    const again = jsonDoc(cli(args, { cwd }));
    expect(again.result).toMatchObject({ status: 'incremental', transactionsReplayed: 0 });
  });

  it('bad usage: --incremental without --state, and a missing source', () => {
    const a = cli(['restore', 'file:./src', 'file:./x', '--incremental'], { cwd });
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/^error cli\/usage: --incremental needs --state/);
    const b = cli(['restore', 'file:./no-such-source', 'file:./y'], { cwd });
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/^error db\/not-found: No database at file:\.\/no-such-source\./);
  });
});

describe('restore interrupted by SIGINT, stderr not a terminal', () => {
  it('prints progress lines, stops with exit 130 and the resume command; the source changes; the resumed copy is as of the interrupted basis', async () => {
    catalogFile('medium.edn', 100_000, 13);
    expect(cli(['create', 'file:./medium'], { cwd }).code).toBe(0);
    expect(cli(['transact', 'file:./medium', 'medium.edn'], { cwd }).code).toBe(0);
    const basis = jsonDoc(cli(['info', 'file:./medium', '--json'], { cwd })).result.basisT as number;
    const args = ['restore', 'file:./medium', 'file:./medium-copy', '--batch-size', '50', '--tx-parallelism', '1'];
    const { code, stderr } = await interruptWhen(args, { cwd, env: { DATOMKIT_PROGRESS_INTERVAL_MS: '100' } }, /^restore: \d+%/m);
    expect(code).toBe(130);
    expect(stderr).toMatch(/^restore: \d+% {2}[\d,]+\/[\d,]+ datoms {2}[\d.]+k?\/s {2}ETA \d+:\d\d$/m);
    expect(stderr).toContain(`Resume with: datomkit ${args.join(' ')}`);
    // The source moves on before the resume.
    expect(cli(['transact', 'file:./medium'], { cwd, input: '[{:label/gid #uuid "6f1d3c1a-0000-4000-8000-0000000000bb" :label/name "Late Label"}]' }).code).toBe(0);
    const resumed = cli([...args, '--json'], { cwd });
    expect(resumed.code).toBe(0);
    expect(jsonDoc(resumed).result).toMatchObject({ resumed: true, basisT: basis });
    const late = jsonDoc(cli(['datoms', 'file:./medium-copy', 'avet', ':label/name', '"Late Label"', '--json'], { cwd })).result;
    expect(late.count).toBe(0);
  });
});

describe('restore in a terminal', () => {
  it.skipIf(!HAS_TMUX)('shows a moving progress bar with rate and ETA; C-c stops it (exit 130) and the printed command resumes it to completion', async () => {
    catalogFile('big.edn', 400_000, 12);
    expect(cli(['create', 'file:./big'], { cwd }).code).toBe(0);
    expect(cli(['transact', 'file:./big', 'big.edn'], { cwd }).code).toBe(0);
    // Small batches and one transaction in flight, so that the copy takes a few seconds.
    const args = 'restore file:./big file:./big-clone --incremental --state file:./big-state --batch-size 100 --tx-parallelism 1';
    const term = new TmuxSession(`env -u CI NO_COLOR=1 node ${BIN} ${args}`, cwd);
    try {
      const bar = /restore \[[█░]+\] (\d+)% {2}[\d,]+\/[\d,]+ datoms {2}[\d.]+k?\/s {2}ETA \d+:\d\d/;
      const first = Number((await term.waitFor(bar))[1]);
      const later = await term.waitFor(new RegExp(`restore \\[[█░]+\\] (?!${first}%)(\\d+)%`));
      expect(Number(later[1])).toBeGreaterThan(first);
      term.send('C-c');
      await term.waitFor(/EXIT=130/);
      const screen = term.screen();
      expect(screen).toMatch(/interrupted cli\/interrupted: Restore stopped/);
      const resume = screen.match(/Resume with: (datomkit restore [^\n]+)/);
      expect(resume?.[1]).toBe(`datomkit ${args}`);
      term.send('clear', 'Enter');
      term.send(`node ${BIN} ${args}; echo "EXIT=$?"`, 'Enter');
      await term.waitFor(/✓ copied [\d,]+ datoms [^\n]+\s+EXIT=0/, 60_000);
    } finally {
      term.kill();
    }
    const v = cli(['verify', 'file:./big', 'file:./big-clone'], { cwd });
    expect(v.stderr).toMatch(/✓ equal/);
    expect(v.code).toBe(0);
  }, 120_000);
});

if (!HAS_TMUX) it.skip(NO_TMUX, () => {});
