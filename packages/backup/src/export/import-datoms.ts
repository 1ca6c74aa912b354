import { resolve } from 'node:path';
import { type Datom, DatomError, FIRST_USER_EID, Keyword, type TxLogEntry, type ValueType, parseEdn, txToT } from '@datomkit/datom-core';
import { readLines } from '../file/backup-file.js';
import { type RestoreDbOptions, type RestoreDbResult, entryBatches, replayEntries } from '../file/restore-db.js';
import type { ExportFormat } from './export-datoms.js';
import { jsonToValue, storedValue } from './json-datom-value.js';

/**
 * Options of {@link importDatoms}.
 *
 * @example
 * ```ts
 * const options: ImportDatomsOptions = { source: './music.datoms.edn', destConn }
 * ```
 */
export interface ImportDatomsOptions extends Omit<RestoreDbOptions, 'source' | 'stop'> {
  /** A file written by `exportDatoms` (or by another tool in its format). */
  readonly source: string;
  /** Default: from the file's first line (`{` for JSON lines). */
  readonly format?: ExportFormat;
}

interface AttrType {
  valueType: ValueType | null;
  tupleTypes: ValueType[] | null;
  tupleType: ValueType | null;
  tupleAttrs: string[] | null;
}

/** A datom as read from a line: its attribute still an ident, its value still in file form. */
interface RawDatom {
  readonly e: number;
  readonly ident: string;
  readonly v: unknown;
  readonly tx: number;
  readonly added: boolean;
}

function lineError(where: string, why: string, cause?: unknown): DatomError {
  return new DatomError('backup/format', `${where}: ${why}`, { data: { where }, ...(cause === undefined ? {} : { cause }) });
}

function identText(x: unknown): string | null {
  if (x instanceof Keyword) return x.fqn;
  if (typeof x === 'string' && x.startsWith(':')) return x.slice(1);
  return null;
}

function readRaw(text: string, format: ExportFormat, where: string): RawDatom {
  let e: unknown;
  let a: unknown;
  let v: unknown;
  let tx: unknown;
  let added: unknown;
  try {
    if (format === 'edn') {
      const form = parseEdn(text, { source: where });
      if (!Array.isArray(form) || form.length !== 5) throw lineError(where, 'a datom line is [e :attr/ident v tx added]');
      [e, a, v, tx, added] = form;
    } else {
      const o = JSON.parse(text) as Record<string, unknown>;
      ({ e, a, v, tx, added } = o);
    }
  } catch (err) {
    if (err instanceof DatomError && err.code === 'backup/format') throw err;
    throw lineError(where, `not a datom line (${(err as Error).message})`, err);
  }
  const ident = identText(a);
  if (typeof e !== 'number' || ident === null || typeof tx !== 'number' || typeof added !== 'boolean') {
    throw lineError(where, 'a datom needs a numeric e and tx, an attribute ident and a boolean added');
  }
  return { e, ident, v, tx, added };
}

/**
 * Reads a datom export back into a database: its datoms are grouped by transaction and replayed
 * with restore's replay stage, one destination transaction per source transaction, with the entity
 * mapping of `incrementalRestore` (see `restoreDb`). An export of the current state gives a copy
 * of the current state; one with history, the history. Exactly once and resumable, like `restoreDb`:
 * the destination's session (keyed by the export's source) says which transactions it holds.
 * The file is read twice, streamed: once for the schema (idents and types), once for the data.
 *
 * @example
 * ```ts
 * const { txCount } = await importDatoms({ source: './music.datoms.edn', destConn })
 * ```
 */
export async function importDatoms(options: ImportDatomsOptions): Promise<RestoreDbResult> {
  const { source: path, destConn } = options;
  const signal = options.signal === undefined ? {} : { signal: options.signal };
  const builtins = destConn.db();
  let format = options.format ?? null;
  let sourceId = options.sourceId ?? null;
  // Pass 1: the header, every attribute's current ident and its type.
  const lastIdent = new Map<number, string>();
  const types = new Map<number, AttrType>();
  const sys = (ident: string) => builtins.attribute(ident)?.id ?? -1;
  const [identA, valueTypeA, tupleTypesA, tupleTypeA, tupleAttrsA] = ['db/ident', 'db/valueType', 'db/tupleTypes', 'db/tupleType', 'db/tupleAttrs'].map(sys);
  const typeName = (x: unknown): ValueType | null => {
    const fqn = typeof x === 'number' ? builtins.ident(x)?.fqn : identText(x);
    return fqn?.startsWith('db.type/') === true ? (fqn.slice(8) as ValueType) : null;
  };
  let lastT: number | null = null;
  let first = true;
  for await (const { text, line } of readLines(path, { ...signal, unterminated: 'include' })) {
    const where = `${path}:${line}`;
    if (first) {
      first = false;
      format ??= text.trimStart().startsWith('{') ? 'jsonl' : 'edn';
      if (format === 'jsonl' && text.includes('"datomkit-export"')) {
        sourceId ??= (JSON.parse(text) as { source?: string }).source ?? null;
        continue;
      }
      if (format === 'edn' && text.startsWith(';; datomkit-export ')) {
        const m = parseEdn(text.slice(19)) as Map<unknown, unknown>;
        const s = m.get(parseEdn(':source'));
        if (typeof s === 'string') sourceId ??= s;
        continue;
      }
    }
    if (text.charCodeAt(0) === 59 /* ; */ || text.trim() === '') continue;
    const d = readRaw(text, format ?? 'edn', where);
    lastT = txToT(d.tx);
    if (d.e < FIRST_USER_EID || !d.added) continue;
    const a = sys(d.ident);
    if (a === identA) {
      const ident = identText(d.v);
      if (ident !== null) lastIdent.set(d.e, ident);
      continue;
    }
    if (a !== valueTypeA && a !== tupleTypesA && a !== tupleTypeA && a !== tupleAttrsA) continue;
    let t = types.get(d.e);
    if (t === undefined) {
      t = { valueType: null, tupleTypes: null, tupleType: null, tupleAttrs: null };
      types.set(d.e, t);
    }
    if (a === valueTypeA) t.valueType = typeName(d.v);
    else if (a === tupleTypeA) t.tupleType = typeName(d.v);
    else if (a === tupleTypesA) t.tupleTypes = (d.v as unknown[]).map((x) => typeName(x) ?? 'string');
    else t.tupleAttrs = (d.v as unknown[]).map((x) => identText(x) ?? String(x));
  }
  const eidOf = new Map<string, number>();
  for (const [e, ident] of lastIdent) eidOf.set(ident, e);
  const fmt = format ?? 'edn';

  const attrId = (ident: string, where: string): number => {
    const a = eidOf.get(ident) ?? builtins.attribute(ident)?.id;
    if (a === undefined) throw lineError(where, `attribute :${ident} is neither built in nor installed by the file`);
    return a;
  };
  const value = (a: number, v: unknown): Datom['v'] => {
    if (fmt === 'edn') return storedValue(v);
    if (a < FIRST_USER_EID) {
      const attr = builtins.attribute(a);
      if (attr === null) return v as Datom['v'];
      return jsonToValue(attr.valueType, v, attr.tupleTypes ?? (attr.tupleType === null ? null : [attr.tupleType]), attr.tupleType !== null) as Datom['v'];
    }
    const t = types.get(a);
    if (t?.valueType == null) return v as Datom['v'];
    const parts = t.tupleAttrs?.map((p) => types.get(eidOf.get(p) ?? -1)?.valueType ?? 'string') ?? null;
    return jsonToValue(t.valueType, v, parts ?? t.tupleTypes ?? (t.tupleType === null ? null : [t.tupleType]), parts === null && t.tupleTypes === null && t.tupleType !== null) as Datom['v'];
  };

  // Pass 2: the datoms, grouped into their transactions.
  async function* entries(): AsyncGenerator<{ entry: TxLogEntry; line: number }> {
    let data: Datom[] = [];
    let tx = -1;
    let at = 0;
    for await (const { text, line } of readLines(path, { ...signal, unterminated: 'include' })) {
      if (text.charCodeAt(0) === 59 || text.trim() === '' || (fmt === 'jsonl' && text.includes('"datomkit-export"'))) continue;
      const where = `${path}:${line}`;
      const r = readRaw(text, fmt, where);
      if (r.tx !== tx) {
        if (data.length > 0) yield { entry: { t: txToT(tx), tx, data }, line: at };
        if (r.tx < tx) throw lineError(where, `transaction ${r.tx} comes after ${tx}: datoms must be in log order`);
        data = [];
        tx = r.tx;
        at = line;
      }
      const a = attrId(r.ident, where);
      data.push({ e: r.e, a, v: value(a, r.v), tx: r.tx, added: r.added });
    }
    if (data.length > 0) yield { entry: { t: txToT(tx), tx, data }, line: at };
  }
  return replayEntries(entryBatches(entries()), path, sourceId ?? `file:${resolve(path)}`, lastT, options);
}
