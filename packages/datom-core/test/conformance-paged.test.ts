import { describeFileConformance } from './conformance/file-suite.js';

// The conformance suite on file databases under pressure: a checkpoint every few transactions, so
// reads and transactions mostly go through stored pages, and a page cache of zero bytes, so every
// page is dropped as soon as another loads and read from disk again when needed.
describeFileConformance('file, paged under pressure', { checkpointRows: 1, cacheBytes: 0 });
