export { CATALOG_ENUMS, CATALOG_MANY_ATTRS, CATALOG_VALUE_TYPES, catalogSchema, catalogSchemaEdn } from './catalog-schema.js';
export { catalogStats } from './catalog-stats.js';
export type { CatalogStats } from './catalog-stats.js';
export { countDatoms } from './count-datoms.js';
export { DEFAULT_BATCH_ENTITIES, generateCatalog } from './generate-catalog.js';
export type { GenerateCatalogOptions, LookupRef } from './generate-catalog.js';
export { Prng, mixSeed, mulberry32 } from './prng.js';
export { ATTR_TYPES, RandomSource, attrSpecs, historyOps, randomScenario } from './random-source.js';
export type { AttrSpec, AttrType, HistoryOp } from './random-source.js';
