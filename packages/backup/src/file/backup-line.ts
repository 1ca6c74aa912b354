import {
  type Database,
  type Datom,
  DatomError,
  EdnList,
  type TxLogEntry,
  type Value,
  type ValueType,
  parseEdn,
  printEdn,
  txToT,
  valueToEdn,
} from '@datomkit/datom-core';
import { storedValue } from '../export/json-datom-value.js';

/**
 * What the first line of a datomkit backup file says (an EDN comment, which EDN readers skip): the
 * format version, the source database's durable identity, and whether the file keeps history.
 *
 * @example
 * ```ts
 * const header: BackupFileHeader = { version: 1, source: conn.id, history: true }
 * ```
 */
export interface BackupFileHeader {
  readonly version: 1;
  readonly source: string;
  readonly history: boolean;
}

const HEADER_PREFIX = ';; datomkit-backup ';

/**
 * The header line of a backup file, with its newline.
 *
 * @example
 * ```ts
 * formatHeader({ version: 1, source: conn.id, history: true }) // ';; datomkit-backup {:version 1, ...}\n'
 * ```
 */
export function formatHeader(h: BackupFileHeader): string {
  return `${HEADER_PREFIX}${printEdn(new Map<unknown, unknown>([
    [kwKey('version'), h.version],
    [kwKey('source'), h.source],
    [kwKey('history'), h.history],
  ]))}\n`;
}

function kwKey(name: string): unknown {
  return parseEdn(`:${name}`);
}

/**
 * Reads a header line; `null` when `line` is not one (a file written by another tool has none).
 *
 * @example
 * ```ts
 * parseHeader(firstLine)?.source
 * ```
 */
export function parseHeader(line: string): BackupFileHeader | null {
  if (!line.startsWith(HEADER_PREFIX)) return null;
  const m = parseEdn(line.slice(HEADER_PREFIX.length)) as Map<unknown, unknown>;
  const get = (k: string) => m.get(kwKey(k));
  const version = get('version');
  const source = get('source');
  const history = get('history');
  if (version !== 1 || typeof source !== 'string' || typeof history !== 'boolean') {
    throw new DatomError('backup/format', `Unknown backup file header ${JSON.stringify(line)}: this file was written by a newer datomkit or is damaged`, {
      data: { header: line },
    });
  }
  return { version, source, history };
}

/** Prints one attribute's values as EDN, typed by the attribute (`1.0` stays a double). */
type ValuePrinter = (v: Value) => string;

/**
 * Turns source transactions into backup lines: `(#datom[e a v tx added] ...)`, `e`, `a` and `tx`
 * the source's numeric ids, `v` the value printed as EDN, typed by its attribute (refs are ids).
 * Printers are made once per attribute.
 *
 * @example
 * ```ts
 * const printer = new LinePrinter(sourceConn.db())
 * out.write(printer.line(entry.data))
 * ```
 */
export class LinePrinter {
  readonly #db: Database;
  readonly #printers = new Map<number, ValuePrinter>();

  constructor(db: Database) {
    this.#db = db;
  }

  #printer(a: number): ValuePrinter {
    let p = this.#printers.get(a);
    if (p !== undefined) return p;
    const attr = this.#db.attribute(a);
    if (attr === null) p = (v) => printEdn(v);
    else if (attr.valueType === 'ref' || attr.valueType === 'long') p = (v) => String(v);
    else {
      const parts = attr.tupleAttrs?.map((id) => this.#db.attribute(id)?.valueType ?? ('ref' as ValueType));
      p = (v) => printEdn(valueToEdn(attr, v, parts));
    }
    this.#printers.set(a, p);
    return p;
  }

  /** The backup line of `datoms` (one transaction's), with its newline. */
  line(datoms: readonly Datom[]): string {
    let s = '(';
    for (let i = 0; i < datoms.length; i++) {
      const d = datoms[i] as Datom;
      if (i > 0) s += ' ';
      s += `#datom[${d.e} ${d.a} ${this.#printer(d.a)(d.v)} ${d.tx} ${d.added}]`;
    }
    return `${s})\n`;
  }
}

function isId(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function readDatom(form: unknown): Datom {
  if (!Array.isArray(form) || form.length !== 5 || !isId(form[0]) || !isId(form[1]) || !isId(form[3]) || typeof form[4] !== 'boolean') {
    throw new DatomError('backup/format', `A #datom must be [e a v tx added] with numeric e, a and tx and a boolean added, not ${printEdn(form)}`, {
      data: { datom: printEdn(form) },
    });
  }
  return { e: form[0], a: form[1], v: storedValue(form[2]), tx: form[3], added: form[4] };
}

const TAGS = { datom: readDatom };

/**
 * Reads one backup line back into a transaction: its datoms with their values in stored form. Every
 * datom of a line belongs to one transaction (the first datom's `tx`).
 *
 * @example
 * ```ts
 * const entry = parseLine('(#datom[1000 10 :person/name 4398046511105 true])', 'backup.edn:2')
 * ```
 */
export function parseLine(line: string, where: string): TxLogEntry {
  let form: unknown;
  try {
    form = parseEdn(line, { source: where, tags: TAGS });
  } catch (err) {
    throw new DatomError('backup/format', `${where}: not a backup line (${(err as Error).message}); cut the file before this line or restore from another backup`, {
      data: { where },
      cause: err,
    });
  }
  if (!(form instanceof EdnList)) {
    throw new DatomError('backup/format', `${where}: a backup line is a list of #datom, not ${printEdn(form)}`, { data: { where } });
  }
  const data = form.items as Datom[];
  for (const d of data) {
    if (typeof d !== 'object' || d === null || Array.isArray(d) || !('added' in d)) {
      throw new DatomError('backup/format', `${where}: a backup line holds only #datom[e a v tx added] forms, not ${printEdn(d)}`, { data: { where } });
    }
  }
  const first = data[0];
  if (first === undefined) throw new DatomError('backup/format', `${where}: an empty backup line`, { data: { where } });
  for (const d of data) {
    if (d.tx !== first.tx) {
      throw new DatomError('backup/format', `${where}: datoms of transactions ${first.tx} and ${d.tx} on one line`, { data: { where, tx: [first.tx, d.tx] } });
    }
  }
  return { t: txToT(first.tx), tx: first.tx, data };
}
