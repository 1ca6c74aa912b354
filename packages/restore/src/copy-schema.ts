import { type Connection, type TxForm, type TxMap, kw } from '@datomkit/datom-core';
import { checkAborted } from './internal/abort.js';
import type { IdMapping } from './id-mapping.js';
import { RESTORE_ATTRS, ensureRestoreSchema, isRestoreIdent } from './restore-attributes.js';
import type { SchemaEntity, SourceSchema } from './source-schema.js';

/**
 * Options of {@link copySchema}.
 *
 * @example
 * ```ts
 * const options: CopySchemaOptions = { schema, destConn, mapping: new IdMapping(destConn) }
 * ```
 */
export interface CopySchemaOptions {
  readonly schema: SourceSchema;
  readonly destConn: Connection;
  readonly mapping: IdMapping;
  readonly signal?: AbortSignal;
}

/**
 * What {@link copySchema} did.
 *
 * @example
 * ```ts
 * const { installed, renames } = await copySchema({ schema, destConn, mapping })
 * ```
 */
export interface CopySchemaResult {
  /** Schema entities (attributes, enums, other idents) created in the destination. */
  readonly installed: number;
  /** Rename steps applied (each keeps the previous ident as an alias). */
  readonly renames: number;
  readonly transactions: number;
}

function installForm(ent: SchemaEntity, ident: string): TxMap {
  const m: Record<string, unknown> = {
    'db/id': `src:${ent.eid}`,
    [RESTORE_ATTRS.sourceEid]: ent.eid,
    'db/ident': kw(ident),
  };
  if (ent.valueType !== null) m['db/valueType'] = kw(`db.type/${ent.valueType}`);
  if (ent.cardinality !== null) m['db/cardinality'] = kw(`db.cardinality/${ent.cardinality}`);
  if (ent.unique !== null) m['db/unique'] = kw(`db.unique/${ent.unique}`);
  if (ent.isComponent !== null) m['db/isComponent'] = ent.isComponent;
  if (ent.noHistory !== null) m['db/noHistory'] = ent.noHistory;
  if (ent.index !== null) m['db/index'] = ent.index;
  if (ent.doc !== null) m['db/doc'] = ent.doc;
  if (ent.tupleAttrs !== null) m['db/tupleAttrs'] = ent.tupleAttrs;
  if (ent.tupleTypes !== null) m['db/tupleTypes'] = ent.tupleTypes;
  if (ent.tupleType !== null) m['db/tupleType'] = ent.tupleType;
  return m;
}

/**
 * The schema stage: copies every attribute, enum and other ident of the source schema into the
 * destination, each entity carrying its `source-eid`. Plain attributes and idents go first, then
 * composite tuples (whose parts must exist). A renamed entity is installed under its first ident
 * and renamed step by step, so every old ident stays an alias, as in the source. Idempotent: an
 * entity already in the destination (found by its `source-eid`) is not installed again, and only
 * the rename steps it lacks are applied, so an interrupted copy resumes.
 *
 * @example
 * ```ts
 * const schema = await SourceSchema.load(sourceDb)
 * await copySchema({ schema, destConn, mapping: new IdMapping(destConn) })
 * ```
 */
export async function copySchema(options: CopySchemaOptions): Promise<CopySchemaResult> {
  const { schema, destConn, mapping, signal } = options;
  await ensureRestoreSchema(destConn);
  const entities = [...schema.entities.values()].filter((e) => e.ident !== null && !isRestoreIdent(e.ident.fqn));
  await mapping.resolve(entities.map((e) => e.eid));
  let installed = 0;
  let renames = 0;
  let transactions = 0;
  for (const group of [entities.filter((e) => e.tupleAttrs === null), entities.filter((e) => e.tupleAttrs !== null)]) {
    checkAborted(signal, 'copying the schema');
    const fresh = group.filter((e) => mapping.get(e.eid) === undefined);
    if (fresh.length > 0) {
      const report = await destConn.transact(fresh.map((e) => installForm(e, (e.idents[0] ?? e.ident)?.fqn as string)));
      transactions++;
      installed += fresh.length;
      for (const e of fresh) mapping.set(e.eid, report.tempids[`src:${e.eid}`] as number);
    }
    // Rename rounds: the k-th rename of every entity in one transaction.
    for (;;) {
      checkAborted(signal, 'renaming schema entities');
      const db = destConn.db();
      const forms: TxForm[] = [];
      for (const e of group) {
        const destE = mapping.get(e.eid) as number;
        const current = db.ident(destE)?.fqn;
        const chain = e.idents.map((k) => k.fqn);
        const final = e.ident?.fqn as string;
        if (current === final) continue;
        const p = current === undefined ? -1 : chain.lastIndexOf(current);
        const step = p >= 0 && p + 1 < chain.length ? (chain[p + 1] as string) : final;
        forms.push(['db/add', destE, 'db/ident', kw(step)]);
      }
      if (forms.length === 0) break;
      await destConn.transact(forms);
      transactions++;
      renames += forms.length;
    }
  }
  return { installed, renames, transactions };
}
