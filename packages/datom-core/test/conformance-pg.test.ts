import { afterAll } from 'vitest';
import { PgBlobStore } from '../src/index.js';
import { describeUriConformance } from './conformance/file-suite.js';
import { cleanUpPgAfterAll, describePg, pgUri } from './pg-helpers.js';

// The same conformance suite as on files, on databases kept in PostgreSQL, under pressure: a
// checkpoint after every transaction and a page cache of zero bytes, so that nearly every read
// goes through a synchronous page read over the network, and every commit through the log and
// the root. (The suite with the usual checkpoints runs on files; on PostgreSQL it would take the
// same paths, fewer times, for another 15 s of CPU.)
cleanUpPgAfterAll();
afterAll(() => PgBlobStore.closeAll());
describePg('postgres', () => {
  describeUriConformance('postgres, paged under pressure', () => pgUri('paged'), { checkpointRows: 1, cacheBytes: 0 });
});
