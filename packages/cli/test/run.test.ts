import { BigDec, EdnList, EdnSet, kw, uuid } from '@datomkit/datom-core';
import { describe, expect, it } from 'vitest';
import { ExitCode, toJsonValue } from '../src/index.js';
import { Progress, formatDuration, formatRate } from '../src/internal/progress.js';
import { MIGRATIONS, MUSIC_TX_FNS, jsonDoc, runIn } from './helpers.js';

// In-process runs of the command plumbing against mem:// databases (one process, so they persist).

describe('toJsonValue', () => {
  it('writes keywords as ":a/b", bigints and bigdecs as strings, instants as ISO, bytes as base64', () => {
    const value = new Map<unknown, unknown>([
      [kw('a/k'), kw('b/v')],
      ['big', 12345678901234567890n],
      ['dec', BigDec.parse('1.50')],
      ['inst', new Date(Date.UTC(2020, 0, 2))],
      ['bytes', new Uint8Array([1, 2, 3])],
      ['uuid', uuid('6f1d3c1a-0000-4000-8000-000000000001')],
      ['set', new EdnSet([1, 2])],
      ['list', new EdnList([kw('x')])],
      ['nan', Number.NaN],
    ]);
    expect(toJsonValue(value)).toEqual({
      ':a/k': ':b/v',
      big: '12345678901234567890',
      dec: '1.50',
      inst: '2020-01-02T00:00:00.000Z',
      bytes: 'AQID',
      uuid: '6f1d3c1a-0000-4000-8000-000000000001',
      set: [1, 2],
      list: [':x'],
      nan: 'NaN',
    });
  });
});

describe('progress', () => {
  it('shows rate and ETA; a bar on a terminal, lines at the interval otherwise', () => {
    let now = 0;
    let bar = '';
    const tty = {
      write: (s: string) => {
        bar += s;
        return true;
      },
      isTTY: true,
      columns: 200,
    } as never;
    const p = new Progress({ stream: tty, mode: 'bar', label: 'restore', unit: 'datoms', now: () => now });
    for (let i = 1; i <= 10; i++) {
      now = i * 1000;
      p.update(i * 1000, 20_000);
    }
    expect(p.status()).toBe('50%  10,000/20,000 datoms  1.0k/s  ETA 0:10');
    expect(bar).toContain('\r\x1b[Krestore [████████████░░░░░░░░░░░░] 50%');
    let lines = '';
    const pipe = {
      write: (s: string) => {
        lines += s;
        return true;
      },
      isTTY: false,
    } as never;
    now = 0;
    const q = new Progress({ stream: pipe, mode: 'lines', label: 'gc', unit: 'files', intervalMs: 5000, now: () => now });
    for (let i = 1; i <= 12; i++) {
      now = i * 1000;
      q.update(i, null);
    }
    expect(lines.trimEnd().split('\n')).toEqual(['gc: 5 files  1/s  elapsed 0:05', 'gc: 10 files  1/s  elapsed 0:10']);
  });

  it('draws nothing for work that ends within the first 300 ms', () => {
    let now = 0;
    let out = '';
    const tty = {
      write: (s: string) => {
        out += s;
        return true;
      },
      isTTY: true,
    } as never;
    const p = new Progress({ stream: tty, mode: 'bar', label: 'transact', unit: 'forms', now: () => now });
    now = 150;
    p.update(5, 10);
    now = 250;
    p.update(10, 10);
    p.done();
    expect(out).toBe('');
  });

  it('formats rates and durations', () => {
    expect(formatRate(950)).toBe('950/s');
    expect(formatRate(12_345)).toBe('12.3k/s');
    expect(formatRate(2_500_000)).toBe('2.5M/s');
    expect(formatDuration(75_000)).toBe('1:15');
    expect(formatDuration(3_725_000)).toBe('1:02:05');
  });
});

describe('run (in-process, mem://)', () => {
  it('create, transact from stdin, info and datoms', async () => {
    expect((await runIn(['create', 'mem://run-test'])).code).toBe(ExitCode.ok);
    const t = await runIn(['transact', 'mem://run-test'], {
      stdin: '[{:db/ident :a/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}] [{:a/name "x"}]',
    });
    expect(t).toMatchObject({ code: 0, stdout: '' });
    expect(t.stderr).toContain('✓ 2 transactions');
    const info = jsonDoc(await runIn(['info', 'mem://run-test', '--json']));
    expect(info.result).toMatchObject({ basisT: 2, sizeOnDisk: null });
    const d = jsonDoc(await runIn(['datoms', 'mem://run-test', 'aevt', 'a/name', '--json']));
    expect(d.result.datoms).toEqual([expect.objectContaining({ a: ':a/name', v: 'x' })]);
  });

  it('transact with no file and a terminal on stdin is a usage error', async () => {
    const r = await runIn(['transact', 'mem://run-test']);
    expect(r.code).toBe(ExitCode.usage);
    expect(r.stderr).toMatch(/^error cli\/usage: No EDN to transact/);
  });

  it('empty input is a usage error', async () => {
    const r = await runIn(['transact', 'mem://run-test'], { stdin: '  ; nothing\n' });
    expect(r.code).toBe(ExitCode.usage);
    expect(r.stderr).toMatch(/^error cli\/usage: standard input holds no transaction data\./);
  });

  it('a top-level form that is not a vector is a usage error naming it', async () => {
    const r = await runIn(['transact', 'mem://run-test'], { stdin: '{:a/name "x"}' });
    expect(r.code).toBe(ExitCode.usage);
    expect(r.stderr).toContain('top-level form 1 is not a vector');
  });

  it('an aborted signal stops transact between transactions, with the --skip to resume', async () => {
    const controller = new AbortController();
    controller.abort();
    const r = await runIn(['transact', 'mem://run-test', '-', '--json'], { stdin: '[] []', signal: controller.signal });
    expect(r.code).toBe(ExitCode.interrupted);
    expect(jsonDoc(r)).toMatchObject({ ok: false, exitCode: 130, error: { code: 'cli/interrupted', data: { committed: 0, total: 2 } } });
    expect(r.stderr).toMatch(/Resume with: datomkit transact mem:\/\/run-test <file> --skip 0/);
  });

  it('--json with --quiet still prints the document and nothing on stderr', async () => {
    const r = await runIn(['info', 'mem://run-test', '--json', '-q']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(jsonDoc(r).ok).toBe(true);
  });

  it('an aborted signal stops norm apply after the norm being applied; a rerun applies the rest', async () => {
    expect((await runIn(['create', 'mem://norm-abort'])).code).toBe(0);
    const controller = new AbortController();
    controller.abort();
    const r = await runIn(['norm', 'apply', 'mem://norm-abort', MIGRATIONS, '--tx-fns', MUSIC_TX_FNS], { signal: controller.signal });
    expect(r.code).toBe(ExitCode.interrupted);
    expect(r.stderr).toMatch(/Stopped after 001-release-rating\.edn.*Run `datomkit norm apply mem:\/\/norm-abort .*` again/);
    const status = jsonDoc(await runIn(['norm', 'status', 'mem://norm-abort', MIGRATIONS, '--json']));
    expect(status.result.pending).toHaveLength(3);
    expect((await runIn(['norm', 'apply', 'mem://norm-abort', MIGRATIONS, '--tx-fns', MUSIC_TX_FNS])).code).toBe(0);
    expect((await runIn(['norm', 'status', 'mem://norm-abort', MIGRATIONS])).code).toBe(0);
  });
});
