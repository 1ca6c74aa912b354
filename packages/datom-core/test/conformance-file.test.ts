import { describeFileConformance } from './conformance/file-suite.js';

// The same conformance suite as on memory, on durable file databases.
describeFileConformance('file', { checkpointRows: 50 });
