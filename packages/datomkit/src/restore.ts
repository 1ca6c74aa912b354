export * from '@datomkit/restore';
