import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/restore.ts', 'src/norm.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
