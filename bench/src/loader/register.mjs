// `node --import ./src/loader/register.mjs src/run.ts`: the bench's TypeScript, run without
// transforming the packages it measures (see ts-hooks.mjs).
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
