export { isDatomError } from '@datomkit/datom-core';
