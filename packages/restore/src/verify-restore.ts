import { type Database, FIRST_USER_EID, type Value, kw, printEdn } from '@datomkit/datom-core';
import { type AttributePatterns, attributeMatcher } from './attribute-selector.js';
import { RESTORE_ATTRS, isRestoreIdent } from './restore-attributes.js';
import { type AttrKind, SourceSchema } from './source-schema.js';

/**
 * Options of {@link verifyRestore}.
 *
 * @example
 * ```ts
 * await verifyRestore(source.db(), dest.db(), { ignore: ['user/password'], countOnly: ['user/email'] })
 * ```
 */
export interface VerifyRestoreOptions {
  /** Attributes not compared at all (e.g. those a pipeline excluded). */
  readonly ignore?: AttributePatterns;
  /** Attributes whose datom counts are compared but not their values (e.g. scrubbed ones). */
  readonly countOnly?: AttributePatterns;
  /** How many differences are listed (all are counted). Default 50. */
  readonly maxDifferences?: number;
}

/**
 * Datom counts of one attribute on both sides.
 *
 * @example
 * ```ts
 * report.attributes.filter((a) => a.source !== a.dest)
 * ```
 */
export interface AttributeCount {
  readonly ident: string;
  readonly source: number;
  readonly dest: number;
}

/**
 * One difference between a source and its restored copy.
 *
 * @example
 * ```ts
 * for (const d of report.differences) console.log(d.kind, d.attribute, d.detail)
 * ```
 */
export interface RestoreDifference {
  readonly kind: 'schema' | 'missing' | 'extra';
  readonly attribute: string;
  /** What differs; for data, the datom in canonical form (entities as destination ids, `?n` when unmapped). */
  readonly detail: string;
}

/**
 * The result of {@link verifyRestore}.
 *
 * @example
 * ```ts
 * const { equal, missing, extra } = await verifyRestore(source.db(), dest.db())
 * ```
 */
export interface VerifyReport {
  /** True when nothing differs. */
  readonly equal: boolean;
  readonly attributes: readonly AttributeCount[];
  /** The first `maxDifferences` differences. */
  readonly differences: readonly RestoreDifference[];
  readonly schemaDifferences: number;
  /** Source datoms with no equal datom in the destination. */
  readonly missing: number;
  /** Destination datoms with no equal datom in the source. */
  readonly extra: number;
}

/** Canonical text of a value, refs through `ref`. */
function canon(kind: AttrKind | null, v: Value, ref: (e: number) => string): string {
  if (kind?.isRef === true) return ref(v as number);
  if (kind?.refBearing === true && kind.elementTypes !== null) {
    const types = kind.elementTypes;
    return `[${(v as readonly (Value | null)[])
      .map((x, i) => (x === null ? 'nil' : (kind.homogeneous ? types[0] : types[i]) === 'ref' ? ref(x as number) : printEdn(x)))
      .join(' ')}]`;
  }
  return printEdn(v);
}

/**
 * Compares a source database value with a restored copy: the schema (attributes, their properties,
 * enums, old idents kept as aliases) and, per attribute, the datom counts and the datoms themselves
 * in a canonical form where source entity ids are replaced by their destination ids through the
 * mapping the restore stored (`datomkit.restore/source-eid`). Composite tuples are compared like
 * any other attribute; `db/txInstant` and the restore's bookkeeping are not compared.
 *
 * @example
 * ```ts
 * const report = await verifyRestore(sourceConn.db(), destConn.db())
 * if (!report.equal) console.table(report.differences)
 * ```
 */
export async function verifyRestore(sourceDb: Database, destDb: Database, options: VerifyRestoreOptions = {}): Promise<VerifyReport> {
  const max = options.maxDifferences ?? 50;
  const ignore = attributeMatcher(options.ignore ?? []);
  const countOnly = attributeMatcher(options.countOnly ?? []);
  const differences: RestoreDifference[] = [];
  let schemaDifferences = 0;
  let missing = 0;
  let extra = 0;
  const note = (d: RestoreDifference): void => {
    if (differences.length < max) differences.push(d);
  };

  const toDest = new Map<number, number>();
  const mappedDest = new Set<number>();
  if (destDb.attribute(RESTORE_ATTRS.sourceEid) !== null) {
    for await (const batch of destDb.datoms('aevt', RESTORE_ATTRS.sourceEid).batches()) {
      for (const d of batch) {
        toDest.set(d.v as number, d.e);
        mappedDest.add(d.e);
      }
    }
  }
  const mapE = (e: number): string => (e < FIRST_USER_EID ? String(e) : String(toDest.get(e) ?? `?${e}`));
  const schema = await SourceSchema.load(sourceDb);

  // Schema.
  for (const ent of schema.entities.values()) {
    if (ent.ident === null || isRestoreIdent(ent.ident.fqn)) continue;
    const ident = ent.ident.fqn;
    const destE = toDest.get(ent.eid);
    const schemaDiff = (detail: string): void => {
      schemaDifferences++;
      note({ kind: 'schema', attribute: ident, detail });
    };
    if (destE === undefined) {
      schemaDiff('missing in the destination');
      continue;
    }
    if (destDb.ident(destE)?.fqn !== ident) schemaDiff(`destination ident is ${String(destDb.ident(destE))}`);
    for (const old of ent.idents) if ((await destDb.entid(kw(old.fqn))) !== destE) schemaDiff(`old ident :${old.fqn} does not resolve to it`);
    if (ent.valueType === null) continue;
    const a = destDb.attribute(destE);
    if (a === null) {
      schemaDiff('not an attribute in the destination');
      continue;
    }
    const want = {
      valueType: ent.valueType,
      cardinality: ent.cardinality ?? 'one',
      unique: ent.unique,
      isComponent: ent.isComponent === true,
      noHistory: ent.noHistory === true,
      doc: ent.doc,
      tupleAttrs: ent.tupleAttrs?.map((k) => mapE(schema.eidOf(k.fqn) ?? -1)).join(' ') ?? null,
      tupleTypes: ent.tupleTypes?.map((k) => k.name).join(' ') ?? null,
      tupleType: ent.tupleType?.name ?? null,
    };
    const got = {
      valueType: a.valueType,
      cardinality: a.cardinality,
      unique: a.unique,
      isComponent: a.isComponent,
      noHistory: a.noHistory,
      doc: a.doc,
      tupleAttrs: a.tupleAttrs?.map(String).join(' ') ?? null,
      tupleTypes: a.tupleTypes?.join(' ') ?? null,
      tupleType: a.tupleType,
    };
    for (const k of Object.keys(want) as (keyof typeof want)[]) {
      if (want[k] !== got[k]) schemaDiff(`${k}: source ${String(want[k])}, destination ${String(got[k])}`);
    }
  }

  // Data, attribute by attribute.
  const attributes: AttributeCount[] = [];
  const compared = new Set<number>();
  for (const ent of schema.entities.values()) {
    const kind = schema.kind(ent.eid);
    if (kind === null || kind.bookkeeping) continue;
    const ident = kind.ident.fqn;
    if (ignore(ident)) continue;
    const destA = toDest.get(ent.eid);
    const counts = new Map<string, number>();
    let source = 0;
    for await (const batch of sourceDb.datoms('aevt', ent.eid).batches()) {
      for (const d of batch) {
        source++;
        const key = `${mapE(d.e)} ${canon(kind, d.v, mapE)}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    let dest = 0;
    if (destA !== undefined) {
      compared.add(destA);
      for await (const batch of destDb.datoms('aevt', destA).batches()) {
        for (const d of batch) {
          dest++;
          const key = `${d.e} ${canon(kind, d.v, String)}`;
          const n = counts.get(key);
          if (n === undefined) {
            if (!countOnly(ident)) {
              extra++;
              note({ kind: 'extra', attribute: ident, detail: key });
            }
          } else if (n === 1) counts.delete(key);
          else counts.set(key, n - 1);
        }
      }
    }
    attributes.push({ ident, source, dest });
    if (countOnly(ident)) {
      if (source !== dest) {
        missing += Math.max(0, source - dest);
        extra += Math.max(0, dest - source);
        note({ kind: source > dest ? 'missing' : 'extra', attribute: ident, detail: `${source} datoms in the source, ${dest} in the destination` });
      }
      continue;
    }
    for (const [key, n] of counts) {
      missing += n;
      note({ kind: 'missing', attribute: ident, detail: key });
    }
  }
  // Destination attributes with no source counterpart.
  for (const a of destDb.schema().values()) {
    if (a.id < FIRST_USER_EID || compared.has(a.id) || isRestoreIdent(a.ident.fqn) || ignore(a.ident.fqn)) continue;
    const n = await destDb.datoms('aevt', a.id).count();
    if (n > 0) {
      extra += n;
      note({ kind: 'extra', attribute: a.ident.fqn, detail: `${n} datoms of an attribute the source does not have` });
    }
  }
  return {
    equal: schemaDifferences === 0 && missing === 0 && extra === 0 && !attributes.some((a) => a.source !== a.dest),
    attributes,
    differences,
    schemaDifferences,
    missing,
    extra,
  };
}
