import type { Writable } from 'node:stream';
import { type Attribute, type Connection, type Database, type Datom, DatomError, type Value, type ValueType, kw, printEdn, valueToEdn } from '@datomkit/datom-core';
import { currentDatoms } from '../internal/current-datoms.js';
import { type BackupProgress, ProgressClock } from '../internal/progress-clock.js';
import { valueToJson } from './json-datom-value.js';

/**
 * The two export formats: `'edn'`, one `[e :attr/ident v tx added]` vector per line (read it with
 * any EDN reader, Clojure's included), and `'jsonl'`, one JSON object `{"e","a","v","tx","added"}`
 * per line (`a` the ident as `":attr/ident"`, `v` in the JSON form of `valueToJson`). Each starts
 * with a header line naming the source (an EDN comment; a JSON object with `"datomkit-export"`).
 *
 * @example
 * ```ts
 * const format: ExportFormat = 'jsonl'
 * ```
 */
export type ExportFormat = 'edn' | 'jsonl';

/**
 * Options of {@link exportDatoms}.
 *
 * @example
 * ```ts
 * const options: ExportDatomsOptions = { source: conn, out: process.stdout, asOf: 1200, history: false, format: 'edn' }
 * ```
 */
export interface ExportDatomsOptions {
  readonly source: Connection;
  readonly out: Writable;
  /** Export the database as of this t; default its basis. */
  readonly asOf?: number;
  /** Every assertion and retraction up to `asOf`; default only the datoms current then. */
  readonly history?: boolean;
  readonly format?: ExportFormat;
  readonly progress?: (p: BackupProgress) => void;
  readonly progressIntervalMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * The result of {@link exportDatoms}.
 *
 * @example
 * ```ts
 * const { datoms, basisT } = await exportDatoms({ source: conn, out })
 * ```
 */
export interface ExportDatomsResult {
  readonly datoms: number;
  readonly transactions: number;
  /** The t the export describes. */
  readonly basisT: number;
  readonly bytes: number;
}

interface AttrOut {
  readonly ident: string;
  readonly value: (v: Value) => string;
}

function attrOut(db: Database, attr: Attribute | null, a: number, format: ExportFormat): AttrOut {
  if (attr === null) return { ident: `:${a}`, value: (v) => (format === 'edn' ? printEdn(v) : JSON.stringify(v)) };
  const parts = attr.tupleAttrs?.map((id) => db.attribute(id)?.valueType ?? ('ref' as ValueType));
  const ident = `:${attr.ident.fqn}`;
  if (format === 'edn') return { ident, value: (v) => printEdn(valueToEdn(attr, v, parts)) };
  const elementTypes = parts ?? attr.tupleTypes ?? (attr.tupleType === null ? null : [attr.tupleType]);
  const homogeneous = parts === undefined && attr.tupleTypes === null && attr.tupleType !== null;
  return { ident, value: (v) => JSON.stringify(valueToJson(attr.valueType, v, elementTypes, homogeneous)) };
}

/**
 * Writes a database's datoms to `out`, one per line, in log order (by transaction): the datoms
 * current as of `asOf` (default; plus every datom of a system attribute, so that renamed attributes
 * keep their install transaction's ident), or with `history` every assertion and retraction up to it. Each
 * datom keeps its source ids (`e`, refs, `tx`) and names its attribute by ident, so other tools read
 * it without the schema; `importDatoms` reads it back into a database. Streams: one transaction in
 * memory at a time.
 *
 * @example
 * ```ts
 * await exportDatoms({ source: conn, out: createWriteStream('music.datoms.edn'), history: true })
 * ```
 */
export async function exportDatoms(options: ExportDatomsOptions): Promise<ExportDatomsResult> {
  const { source, out } = options;
  const format = options.format ?? 'edn';
  const latest = source.db();
  const basisT = options.asOf ?? latest.basisT;
  if (!Number.isSafeInteger(basisT) || basisT < 0 || basisT > latest.basisT) {
    throw new DatomError('backup/arg', `asOf ${basisT} is not a t of this database (0 to ${latest.basisT})`, { data: { asOf: basisT, basisT: latest.basisT } });
  }
  const db = latest.asOf(basisT);
  const attrs = new Map<number, AttrOut>();
  const clock = new ProgressClock(options.progress, options.progressIntervalMs, 1, basisT + 1);
  let bytes = 0;
  let datoms = 0;
  let transactions = 0;
  let chunk: string[] = [];
  let chunkChars = 0;
  const write = async (text: string) => {
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      out.once('error', onError);
      out.once('drain', () => {
        out.off('error', onError);
        resolve();
      });
    });
  };
  const flush = async () => {
    if (chunk.length === 0) return;
    const text = chunk.join('');
    chunk = [];
    chunkChars = 0;
    await write(text);
  };
  const header =
    format === 'edn'
      ? `;; datomkit-export ${printEdn(new Map<unknown, unknown>([[kw('version'), 1], [kw('source'), source.id], [kw('history'), options.history === true], [kw('basis-t'), basisT]]))}\n`
      : `${JSON.stringify({ 'datomkit-export': 1, source: source.id, history: options.history === true, basisT })}\n`;
  await write(header);
  for await (const entry of source.txRange({ start: 1, end: basisT + 1 })) {
    if (options.signal?.aborted === true) {
      throw new DatomError('backup/aborted', `The export was aborted at source t ${entry.t}`, { data: { t: entry.t }, cause: options.signal.reason });
    }
    const kept: readonly Datom[] = options.history === true ? entry.data : await currentDatoms(db, entry, null);
    for (const d of kept) {
      let o = attrs.get(d.a);
      if (o === undefined) {
        o = attrOut(latest, latest.attribute(d.a), d.a, format);
        attrs.set(d.a, o);
      }
      const line =
        format === 'edn'
          ? `[${d.e} ${o.ident} ${o.value(d.v)} ${d.tx} ${d.added}]\n`
          : `{"e":${d.e},"a":${JSON.stringify(o.ident)},"v":${o.value(d.v)},"tx":${d.tx},"added":${d.added}}\n`;
      chunk.push(line);
      chunkChars += line.length;
    }
    datoms += kept.length;
    if (kept.length > 0) transactions++;
    clock.t = entry.t;
    clock.report(transactions, datoms, bytes + chunkChars);
    if (chunkChars >= 1 << 20) await flush();
  }
  await flush();
  clock.report(transactions, datoms, bytes, true);
  return { datoms, transactions, basisT, bytes };
}
