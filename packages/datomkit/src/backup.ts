export * from '@datomkit/backup';
