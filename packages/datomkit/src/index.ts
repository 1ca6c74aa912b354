export * from '@datomkit/datom-core';
export { explain, q, query } from '@datomkit/query';
export type { PlanStep, QueryForm, QueryFunction, QueryPlan, QueryRequest } from '@datomkit/query';
