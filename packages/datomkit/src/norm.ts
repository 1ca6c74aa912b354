export * from '@datomkit/norm';
