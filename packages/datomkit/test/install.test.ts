import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A user's view of the packages: every published package is packed as `pnpm publish` would pack
// it, checked with publint and arethetypeswrong, and installed with plain npm into an empty app
// outside the workspace, which then imports it from ESM and TypeScript and runs the command.

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HERE = fileURLToPath(new URL('../', import.meta.url));
const BIN = join(HERE, 'node_modules', '.bin');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

interface Manifest {
  name: string;
  private?: boolean;
  version: string;
  files?: string[];
  bin?: Record<string, string>;
  exports?: Record<string, unknown>;
  dependencies?: Record<string, string>;
  [key: string]: unknown;
}

/** Every package under packages/ that is not private: the ones that get published. */
const PUBLISHED = readdirSync(join(ROOT, 'packages'))
  .map((dir) => join(ROOT, 'packages', dir))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest }))
  .filter((p) => p.manifest.private !== true);

/** npm run from here must not inherit pnpm's npm_config_* settings (they are pnpm's, not the user's). */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { NO_COLOR: '1' };
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|pnpm_|PNPM_)/i.test(k) && k !== 'NODE_OPTIONS') env[k] = v;
  return env;
}

/** pnpm as this test was started by (`pnpm test` sets npm_execpath), else the one on PATH. */
function pnpm(): [string, string[]] {
  const execPath = process.env.npm_execpath;
  if (execPath !== undefined && /pnpm/.test(execPath)) return /\.c?js$/.test(execPath) ? [process.execPath, [execPath]] : [execPath, []];
  return ['pnpm', []];
}

const work = mkdtempSync(join(tmpdir(), 'datomkit-install-'));
const tarballs = join(work, 'tarballs');
const app = join(work, 'app');
const tarballOf = new Map<string, string>();
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * `.ci/run` runs the test command once per supported Node; on the legs after the first it sets
 * DATOMKIT_CI_REPEAT_LEG=1, and the checks whose outcome cannot depend on the Node that runs them
 * (publint and arethetypeswrong read the tarballs, tsc checks the installed types) are skipped
 * there, as they already ran on the first leg. Packing, installing, importing and running the
 * command run on every Node.
 */
const NODE_INDEPENDENT = process.env.DATOMKIT_CI_REPEAT_LEG === '1';

function tarList(tgz: string): string[] {
  return execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.replace(/^package\//, ''));
}

function tarManifest(tgz: string): Manifest {
  return JSON.parse(execFileSync('tar', ['-xzOf', tgz, 'package/package.json'], { encoding: 'utf8' }));
}

beforeAll(async () => {
  mkdirSync(tarballs);
  const [cmd, pre] = pnpm();
  for (const { dir, manifest } of PUBLISHED) {
    if (!existsSync(join(dir, 'dist'))) throw new Error(`${manifest.name} has no dist/: run \`pnpm build\` first (turbo run test builds it).`);
    const { stdout } = await run(cmd, [...pre, 'pack', '--json', '--pack-destination', tarballs], { cwd: dir, env: userEnv() });
    tarballOf.set(manifest.name, basename((JSON.parse(stdout) as { filename: string }).filename));
  }
}, 120_000);

describe('every published package, packed', () => {
  it('is one of the packages the README lists, and there are at least the five of today', () => {
    const names = PUBLISHED.map((p) => p.manifest.name);
    for (const n of ['datomkit', '@datomkit/datom-core', '@datomkit/restore', '@datomkit/norm', '@datomkit/cli']) expect(names).toContain(n);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const n of names) expect(readme, `root README lists ${n}`).toContain(`\`${n}\``);
  });

  it.each(PUBLISHED.map((p) => [p.manifest.name]))('%s: real dependency versions, README, LICENSE, types, exports, engines, no sources or tests', (name) => {
    const tgz = join(tarballs, tarballOf.get(name)!);
    const m = tarManifest(tgz);
    for (const [dep, range] of Object.entries(m.dependencies ?? {})) {
      expect(range, `${name} depends on ${dep}`).toMatch(/^\^?\d+\.\d+\.\d+/);
    }
    expect(m.license).toBe('MIT');
    expect(m.type).toBe('module');
    expect(m.sideEffects).toBe(false);
    expect(m.engines).toEqual({ node: '>=20.19' });
    expect(typeof m.types).toBe('string');
    expect(m.files).toContain('dist');
    expect(m.scripts ?? {}).not.toHaveProperty('prepare');
    // The workspace-only source condition stays out of what users get.
    expect(JSON.stringify(m.exports)).not.toContain('@datomkit/source');
    expect(JSON.stringify(m.exports)).not.toContain('./src/');
    const files = tarList(tgz);
    expect(files).toContain('README.md');
    expect(files).toContain('LICENSE');
    expect(files).toContain(String(m.types).replace(/^\.\//, ''));
    const clutter = files.filter((f) => /^(src|test)\//.test(f) || /\.test\.|tsconfig|vitest|tsup|turbo\.json/.test(f));
    expect(clutter).toEqual([]);
    for (const target of Object.values(m.bin ?? {})) expect(files).toContain(target.replace(/^\.\//, ''));
  });

  it('datomkit has the datomkit command and its own README', () => {
    const tgz = join(tarballs, tarballOf.get('datomkit')!);
    expect(tarManifest(tgz).bin).toEqual({ datomkit: './bin/datomkit.js' });
    const readme = execFileSync('tar', ['-xzOf', tgz, 'package/README.md'], { encoding: 'utf8' });
    expect(readme).toMatch(/^# datomkit\b/);
  });

  it.skipIf(NODE_INDEPENDENT)('publint finds nothing, at the strictest level', async () => {
    const failures: string[] = [];
    await Promise.all(
      PUBLISHED.map(async ({ manifest }) => {
        const r = await run(process.execPath, [join(BIN, '..', 'publint', 'src', 'cli.js'), 'run', join(tarballs, tarballOf.get(manifest.name)!), '--strict', '--level', 'suggestion'], {
          env: userEnv(),
        }).catch((e: { stdout: string; stderr: string }) => ({ ...e, failed: true }));
        if ('failed' in r || !/All good!/.test(r.stdout)) failures.push(`${manifest.name}: ${r.stdout}${r.stderr}`);
      }),
    );
    expect(failures).toEqual([]);
  });

  it.skipIf(NODE_INDEPENDENT)('arethetypeswrong finds nothing for ESM consumers (node16 from ESM, bundler)', async () => {
    const failures: string[] = [];
    await Promise.all(
      PUBLISHED.map(async ({ manifest }) => {
        const args = [join(tarballs, tarballOf.get(manifest.name)!), '--profile', 'esm-only', '--no-definitely-typed', '--format', 'ascii', '--no-color', '--no-emoji'];
        await run(process.execPath, [join(BIN, '..', '@arethetypeswrong', 'cli', 'dist', 'index.js'), ...args], { env: userEnv() }).catch(
          (e: { stdout: string; stderr: string }) => failures.push(`${manifest.name}: ${e.stdout}${e.stderr}`),
        );
      }),
    );
    expect(failures).toEqual([]);
    // A few seconds of CPU each; minutes on a machine shared with other work.
  }, 300_000);
});

describe('installed with plain npm into an empty app outside the workspace', () => {
  beforeAll(async () => {
    mkdirSync(app);
    // As `npm install datomkit` would: the one package, its @datomkit dependencies from the
    // tarballs (they are not on the registry), third-party ones from the registry or npm's cache.
    const overrides = Object.fromEntries([...tarballOf].filter(([n]) => n !== 'datomkit').map(([n, f]) => [n, `file:${join(tarballs, f)}`]));
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { datomkit: `file:${join(tarballs, tarballOf.get('datomkit')!)}` }, overrides }),
    );
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: app, env: userEnv() });
  }, 120_000);

  it('imports datomkit, datomkit/restore and datomkit/norm from ESM, and they work', async () => {
    writeFileSync(
      join(app, 'main.mjs'),
      `import { connect, createDatabase } from 'datomkit';
import { currentStateRestore, verifyRestore } from 'datomkit/restore';
import { ensureNorms } from 'datomkit/norm';
for (const name of ['app', 'copy']) await createDatabase(\`mem://\${name}\`);
const conn = await connect('mem://app');
await conn.transact('[{:db/ident :u/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}]');
await conn.transact('[{:u/name "ada"}]');
const pulled = await conn.db().pull('[:u/name]', [':u/name', 'ada']);
const copy = await connect('mem://copy');
await currentStateRestore({ sourceDb: conn.db(), destConn: copy });
const report = await verifyRestore(conn.db(), copy.db());
console.log(JSON.stringify({ pulled, equal: report.equal, ensureNorms: typeof ensureNorms }));
`,
    );
    const { stdout } = await run(process.execPath, ['main.mjs'], { cwd: app, env: userEnv() });
    expect(JSON.parse(stdout)).toEqual({ pulled: { 'u/name': 'ada' }, equal: true, ensureNorms: 'function' });
  });

  it.skipIf(NODE_INDEPENDENT).each([
    // Declarations are checked in full once (with @types/node, as a user's project has it: 7 s of
    // CPU); the bundler run checks only what the app sees.
    ['node16', { module: 'node16', moduleResolution: 'node16', skipLibCheck: false }],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler', skipLibCheck: true }],
  ])('type-checks from TypeScript with moduleResolution %s', async (name, options) => {
    writeFileSync(
      join(app, 'main.ts'),
      `import { connect, type Database, type DatomError } from 'datomkit';
import { verifyRestore, type VerifyReport } from 'datomkit/restore';
import { ensureNorms } from 'datomkit/norm';
const conn = await connect('mem://app');
const db: Database = conn.db();
const basis: number = db.basisT;
const report: VerifyReport = await verifyRestore(db, db);
const applied = (await ensureNorms(conn, './migrations')).steps.length;
export const checked: [number, boolean, number, DatomError['code'] | null] = [basis, report.equal, applied, null];
// @ts-expect-error transact takes EDN text or forms, not a number
await conn.transact(42);
`,
    );
    const tsconfig = join(app, `tsconfig.${name}.json`);
    writeFileSync(
      tsconfig,
      JSON.stringify({
        compilerOptions: { ...options, target: 'es2022', strict: true, noEmit: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')] },
        files: ['main.ts'],
      }),
    );
    const r = await run(process.execPath, [TSC, '-p', tsconfig], { cwd: app, env: userEnv() }).catch((e: { stdout: string }) => ({ stdout: e.stdout, failed: true }));
    expect(r.stdout).toBe('');
  });

  it('runs `npx datomkit --help`, and both packages\' datomkit command', async () => {
    const help = await run('npx', ['datomkit', '--help'], { cwd: app, env: userEnv() });
    expect(help.stdout).toMatch(/^Usage: datomkit /);
    expect(help.stdout).toContain('Exit codes:');
    const version = await run(process.execPath, [join(app, 'node_modules', 'datomkit', 'bin', 'datomkit.js'), '--version'], { cwd: app, env: userEnv() });
    expect(version.stdout.trim()).toBe(tarManifest(join(tarballs, tarballOf.get('datomkit')!)).version);
  });

  it('creates a database, transacts a file into it and reads it back with the installed command', async () => {
    writeFileSync(
      join(app, 'tx.edn'),
      '[{:db/ident :u/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}]\n[{:u/name "ada"} {:u/name "grace"}]\n',
    );
    await run('npx', ['datomkit', 'create', './db'], { cwd: app, env: userEnv() });
    const tx = await run('npx', ['datomkit', 'transact', './db', 'tx.edn', '--json'], { cwd: app, env: userEnv() });
    expect(JSON.parse(tx.stdout)).toMatchObject({ ok: true, result: { transactions: 2 } });
    const datoms = await run('npx', ['datomkit', 'datoms', './db', 'aevt', ':u/name'], { cwd: app, env: userEnv() });
    expect(datoms.stdout.trim().split('\n')).toHaveLength(2);
  });
});
