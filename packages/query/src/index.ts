export { explain, q, query } from './query.js';
export type { QueryForm, QueryFunction, QueryRequest } from './query.js';
export type { PlanStep, QueryPlan } from './plan/explain.js';
export { BUILTINS } from './eval/builtins.js';
export { AGGREGATES } from './eval/aggregates.js';
