import { afterAll } from 'vitest';
import { PgBlobStore } from '../src/index.js';
import { describeUriConformance } from './conformance/file-suite.js';
import { cleanUpPgAfterAll, describePg, pgUri } from './pg-helpers.js';

// The same conformance suite as on files, on databases kept in PostgreSQL: once with the usual
// checkpoints, and once under pressure (a checkpoint after every transaction and a page cache of
// zero bytes), so that nearly every read goes through a synchronous page read over the network.
cleanUpPgAfterAll();
afterAll(() => PgBlobStore.closeAll());
describePg('postgres', () => {
  describeUriConformance('postgres', () => pgUri('conf'), { checkpointRows: 50 });
  describeUriConformance('postgres, paged under pressure', () => pgUri('paged'), { checkpointRows: 1, cacheBytes: 0 });
});
