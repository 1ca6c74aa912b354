import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/**
 * The end-to-end tests run the built binary. Turbo builds it first (packages/cli/turbo.json); when
 * vitest is run directly, rebuild the CLI if its dist is missing or older than its sources.
 */
export function setup(): void {
  const cli = join(root, 'dist', 'cli.js');
  if (!existsSync(cli) || statSync(cli).mtimeMs < newest(join(root, 'src'))) {
    execFileSync('npx', ['tsup', '--silent'], { cwd: root, stdio: 'inherit' });
  }
  for (const dep of ['datom-core', 'norm']) {
    if (!existsSync(join(root, '..', dep, 'dist', 'index.js'))) {
      throw new Error(`packages/${dep}/dist is missing: run \`pnpm build\` (or turbo run test, which builds first).`);
    }
  }
}
