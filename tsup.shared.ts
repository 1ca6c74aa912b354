import { defineConfig, type Options } from 'tsup';

/** The tsup build every package shares: ESM with declarations for Node 20, from `entry`. */
export function packageBuildConfig(entry: string[]): Options {
  return defineConfig({ entry, format: ['esm'], dts: true, sourcemap: true, clean: true, target: 'node20' }) as Options;
}
