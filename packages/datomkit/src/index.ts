export * from '@datomkit/datom-core';
