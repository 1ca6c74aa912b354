import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printEdn } from '@datomkit/datom-core';
import { catalogSchemaEdn, generateCatalog } from '@datomkit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cli, interruptWhen, jsonDoc, tempDir } from './helpers.js';
import { HAS_TMUX, NO_TMUX, TmuxSession } from './pty.js';

const tmp = tempDir();
const cwd = tmp.dir;
let transactions = 0;
afterAll(() => tmp.cleanup());

beforeAll(() => {
  // Many small transactions, so that a run takes a few seconds and can be stopped between them.
  const txs = [...generateCatalog({ datoms: 300_000, seed: 5, batchEntities: 100 })].map((tx) => printEdn(tx));
  transactions = txs.length + 1;
  writeFileSync(join(cwd, 'big.edn'), `${catalogSchemaEdn()}\n${txs.join('\n')}\n`);
});

function basisT(db: string): number {
  return jsonDoc(cli(['info', db, '--json'], { cwd })).result.basisT as number;
}

describe('transact of a big file', () => {
  it('prints a progress line every interval when stderr is not a terminal; Ctrl-C (SIGINT) stops it cleanly with exit 130 and --skip resumes', async () => {
    expect(cli(['create', 'file:./piped'], { cwd }).code).toBe(0);
    const { code, stderr } = await interruptWhen(['transact', 'file:./piped', 'big.edn'], { cwd, env: { DATOMKIT_PROGRESS_INTERVAL_MS: '200' } }, /^transact: \d+%/m);
    expect(code).toBe(130);
    expect(stderr).toMatch(/^transact: \d+% {2}[\d,]+\/[\d,]+ forms {2}[\d.]+k?\/s {2}ETA \d+:\d\d$/m);
    const m = stderr.match(/Resume with: datomkit transact file:\.\/piped big\.edn --skip (\d+)/);
    expect(m, stderr).not.toBeNull();
    const skip = Number(m?.[1]);
    expect(skip).toBeGreaterThan(0);
    expect(skip).toBeLessThan(transactions);
    // Nothing half-written: exactly the transactions reported as committed are in the database.
    expect(basisT('file:./piped')).toBe(skip);
    const rest = cli(['transact', 'file:./piped', 'big.edn', '--skip', String(skip), '--json'], { cwd });
    expect(rest.code).toBe(0);
    expect(jsonDoc(rest).result.transactions).toBe(transactions - skip);
    expect(basisT('file:./piped')).toBe(transactions);
  });

  it('--atomic: Ctrl-C while the transactions are checked stops with exit 130 and nothing committed', async () => {
    expect(cli(['create', 'file:./atomic'], { cwd }).code).toBe(0);
    const { code, stderr } = await interruptWhen(['transact', 'file:./atomic', 'big.edn', '--atomic'], { cwd, env: { DATOMKIT_PROGRESS_INTERVAL_MS: '200' } }, /^check: \d+%/m);
    expect(code).toBe(130);
    expect(stderr).toMatch(/^interrupted cli\/interrupted: Stopped while checking transaction \d+ of \d+; with --atomic nothing was committed\. → Run the same command again\.$/m);
    expect(basisT('file:./atomic')).toBe(0);
  });

  it.skipIf(!HAS_TMUX)('in a terminal: the progress bar moves, C-c stops it, and the printed command resumes it to completion', async () => {
    expect(cli(['create', 'file:./tty'], { cwd }).code).toBe(0);
    const term = new TmuxSession(`env -u CI NO_COLOR=1 node ${BIN} transact file:./tty big.edn`, cwd);
    try {
      const first = await term.waitFor(/transact \[[█░]+\] (\d+)%/);
      const firstPct = Number(first[1]);
      const later = await term.waitFor(new RegExp(`transact \\[[█░]+\\] (?!${firstPct}%)(\\d+)%  [\\d,]+/[\\d,]+ forms  [\\d.]+k?/s  ETA \\d+:\\d\\d`));
      expect(Number(later[1])).toBeGreaterThan(firstPct);
      term.send('C-c');
      await term.waitFor(/EXIT=130/);
      const screen = term.screen();
      expect(screen).toContain('stopping cleanly');
      const resume = screen.match(/Resume with: (datomkit transact file:\.\/tty big\.edn --skip \d+)/);
      expect(resume, screen).not.toBeNull();
      term.send(`${String(resume?.[1]).replace(/^datomkit/, `node ${BIN}`)}; echo "EXIT=$?"`, 'Enter');
      await term.waitFor(/✓ \d+ transactions, [\d,]+ datoms; basis t \d+\s+EXIT=0/);
    } finally {
      term.kill();
    }
    expect(basisT('file:./tty')).toBe(transactions);
  });
});

if (!HAS_TMUX) it.skip(NO_TMUX, () => {});
