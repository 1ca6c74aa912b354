import { spawnSync } from 'node:child_process';
import { expect, test } from 'vitest';
import { processAlive } from '../src/index.js';

test('processAlive: this process runs, a child that has exited does not', () => {
  expect(processAlive(process.pid)).toBe(true);
  const child = spawnSync(process.execPath, ['-e', '']);
  expect(child.status).toBe(0);
  expect(processAlive(child.pid as number)).toBe(false);
});
