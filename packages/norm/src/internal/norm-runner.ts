import {
  type Connection,
  type Database,
  type Datom,
  DatomError,
  type DatomErrorCode,
  type TxData,
  type TxReport,
  isDatomError,
  kw,
} from '@datomkit/datom-core';
import type { NormTxFn, NormTxFnResult } from '../apply/norm-tx-fn.js';
import type { NormStep } from '../apply/norm-step.js';
import { MARKER_TEMPID, NORM_ATTRS, type NormMarker, markerSchemaTx, readMarkers } from '../marker/norm-marker.js';
import type { NormFile } from '../norm/norm-file.js';

/** Where a run's transactions go: the connection, or a speculative database for a dry run. */
export interface NormSink {
  readonly dryRun: boolean;
  db(): Database;
  /** The latest database, including other processes' commits. */
  latest(): Promise<Database>;
  transact(tx: TxData): Promise<TxReport>;
  /** The connection handed to tx-fns. */
  readonly conn: Connection;
  /** How long to wait for another runner to finish a norm it claimed. */
  readonly waitMs: number;
}

/** Thrown inside a step; the caller adds the steps done so far. */
export class StepFailure extends Error {
  constructor(
    readonly code: DatomErrorCode,
    message: string,
    readonly data: Record<string, unknown>,
    override readonly cause: unknown,
  ) {
    super(message);
  }
}

const asTx = (forms: readonly unknown[]): TxData => forms as TxData;

function isAsyncIterable(x: unknown): x is AsyncIterable<readonly unknown[]> {
  return typeof x === 'object' && x !== null && Symbol.asyncIterator in x;
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Installs the marker attributes if the database lacks any; true when it transacted. */
export async function installMarkerSchema(sink: NormSink): Promise<Datom[] | null> {
  const tx = markerSchemaTx(sink.db());
  if (tx.length === 0) return null;
  try {
    return [...(await sink.transact(tx)).txData];
  } catch (err) {
    // Another runner may have installed them in the meantime.
    if (markerSchemaTx(await sink.latest()).length === 0) return null;
    throw new DatomError('norm/transact', `Could not install the norm marker attributes: ${reason(err)}`, {
      data: { tx },
      cause: err,
    });
  }
}

function checkResult(norm: NormFile, result: unknown): NormTxFnResult {
  if (result === null || result === undefined || Array.isArray(result) || isAsyncIterable(result)) {
    return result as NormTxFnResult;
  }
  throw new StepFailure(
    'norm/tx-fn-failed',
    `${norm.file}: the tx-fn ${norm.txFn} returned ${typeof result}; it must return transaction data (an array), null, or an async iterable of batches.`,
    { file: norm.file, norm: norm.id, txFn: norm.txFn },
    undefined,
  );
}

async function claimedElsewhere(sink: NormSink, id: string): Promise<NormMarker | null> {
  if (sink.dryRun) return null;
  return (await readMarkers(await sink.latest())).get(id) ?? null;
}

/**
 * After this run lost the race for a norm's claim: `applied-elsewhere` once the other runner has
 * finished it. Waits (polling the database) while the other runner is between the transactions
 * of a split or batched norm, up to `sink.waitMs`; `null` when nobody else has claimed it.
 */
async function otherRunner(sink: NormSink, norm: NormFile): Promise<NormStep | null> {
  const deadline = Date.now() + sink.waitMs;
  for (let delay = 10; ; delay = Math.min(delay * 2, 500)) {
    const other = await claimedElsewhere(sink, norm.id);
    if (other === null) return null;
    if (other.complete) return step(norm, 'applied-elsewhere', null, [], null);
    if (Date.now() >= deadline) throw inProgress(norm);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function transactFailure(norm: NormFile, err: unknown, extra: Record<string, unknown> = {}): StepFailure {
  return new StepFailure(
    'norm/transact',
    `${norm.file}: the transaction of norm :${norm.id} failed: ${reason(err)}. Nothing of this norm was committed; fix it and run again.`,
    { file: norm.file, norm: norm.id, ...extra },
    err,
  );
}

/**
 * Applies one pending norm: its tx-fn first, then one transaction with the marker, the tx-data and
 * the fn's output; or, when the fn returns batches, a claim transaction followed by one
 * transaction per batch and a final marker transaction.
 */
export async function applyNorm(
  sink: NormSink,
  norm: NormFile,
  fn: NormTxFn | undefined,
  partial: NormMarker | null,
): Promise<NormStep> {
  let result: NormTxFnResult = null;
  if (fn !== undefined) {
    try {
      const context = { db: sink.db(), norm, batchesDone: partial?.batches ?? 0, dryRun: sink.dryRun };
      result = checkResult(norm, await fn(sink.conn, context));
    } catch (err) {
      if (err instanceof StepFailure) throw err;
      throw new StepFailure(
        'norm/tx-fn-failed',
        `${norm.file}: the tx-fn ${norm.txFn} threw: ${reason(err)}. Nothing of this norm was committed.`,
        { file: norm.file, norm: norm.id, txFn: norm.txFn },
        err,
      );
    }
  }
  if (partial === null && !isAsyncIterable(result)) {
    const marker = {
      'db/id': MARKER_TEMPID,
      [NORM_ATTRS.norm]: kw(norm.id),
      [NORM_ATTRS.id]: kw(norm.id),
      [NORM_ATTRS.checksum]: norm.checksum,
    };
    const tx = asTx([marker, ...(norm.txData ?? []), ...((result as readonly unknown[] | null) ?? [])]);
    try {
      const report = await sink.transact(tx);
      return step(norm, 'applied', sink.dryRun ? null : txOf(report), [...report.txData], null);
    } catch (err) {
      if (isDatomError(err, 'transact/unique')) {
        const elsewhere = await otherRunner(sink, norm);
        if (elsewhere !== null) return elsewhere;
      }
      // A strict schema (Datomic's, unlike the schema-on-read Datahike tests use) cannot use an
      // attribute in the transaction that installs it. When the fn output needs an attribute the
      // norm's own tx-data defines, commit the tx-data with the claim first, then the output.
      if (!isDatomError(err, 'schema/unknown-attribute') || !definesAttribute(norm, err.data.attribute)) {
        throw transactFailure(norm, err);
      }
    }
  }
  return applyBatched(sink, norm, result, partial);
}

async function applyBatched(
  sink: NormSink,
  norm: NormFile,
  result: NormTxFnResult,
  partial: NormMarker | null,
): Promise<NormStep> {
  const datoms: Datom[] = [];
  let marker: number | string;
  // Batched norms and norms split for a strict schema take several transactions: a claim (the
  // marker without :tx/norm, with the tx-data), then steps that each advance :tx.norm/batches by
  // compare-and-set, the last one adding :tx/norm.
  let done = partial?.batches ?? 0;
  if (partial === null) {
    const claim = {
      'db/id': MARKER_TEMPID,
      [NORM_ATTRS.id]: kw(norm.id),
      [NORM_ATTRS.checksum]: norm.checksum,
      [NORM_ATTRS.batches]: 0,
    };
    try {
      const report = await sink.transact(asTx([claim, ...(norm.txData ?? [])]));
      datoms.push(...report.txData);
      marker = report.tempids[MARKER_TEMPID] ?? MARKER_TEMPID;
    } catch (err) {
      const elsewhere = isDatomError(err, 'transact/unique') ? await otherRunner(sink, norm) : null;
      if (elsewhere !== null) return elsewhere;
      throw transactFailure(norm, err);
    }
  } else {
    marker = partial.entity;
  }
  if (!isAsyncIterable(result)) {
    // One transaction finishes the norm: the fn output with the :tx/norm marker.
    const forms: unknown[] = [
      ['db/cas', marker, NORM_ATTRS.batches, done, done + 1],
      ...((result as readonly unknown[] | null) ?? []),
      ['db/add', marker, NORM_ATTRS.norm, kw(norm.id)],
    ];
    const report = await commitStep(sink, norm, forms, done);
    if (report === null) return lostRace(sink, norm);
    datoms.push(...report.txData);
    return step(norm, 'applied', sink.dryRun ? null : txOf(report), datoms, null);
  }
  const iterator = result[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<TxData | readonly unknown[]>;
    try {
      next = await iterator.next();
    } catch (err) {
      throw new StepFailure(
        'norm/tx-fn-failed',
        `${norm.file}: the tx-fn ${norm.txFn} threw after ${done} batches: ${reason(err)}. Those batches stay committed; run again to resume.`,
        { file: norm.file, norm: norm.id, txFn: norm.txFn, batchesDone: done },
        err,
      );
    }
    const last = next.done === true;
    const forms: unknown[] = [['db/cas', marker, NORM_ATTRS.batches, done, last ? done : done + 1]];
    if (last) forms.push(['db/add', marker, NORM_ATTRS.norm, kw(norm.id)]);
    else forms.push(...next.value);
    const report = await commitStep(sink, norm, forms, done);
    if (report === null) return lostRace(sink, norm);
    datoms.push(...report.txData);
    if (last) return step(norm, 'applied', sink.dryRun ? null : txOf(report), datoms, done);
    done++;
  }
}

/** Another runner advanced a norm this run had resumed: wait for it to finish the norm. */
async function lostRace(sink: NormSink, norm: NormFile): Promise<NormStep> {
  const elsewhere = await otherRunner(sink, norm);
  if (elsewhere === null) throw inProgress(norm);
  return elsewhere;
}

/**
 * Commits one transaction after a norm's claim; `null` when the compare-and-set on the progress
 * counter failed, i.e. another runner resumed the same norm and advanced it first.
 */
async function commitStep(sink: NormSink, norm: NormFile, forms: unknown[], done: number): Promise<TxReport | null> {
  try {
    return await sink.transact(asTx(forms));
  } catch (err) {
    if (isDatomError(err, 'transact/cas')) return null;
    throw new StepFailure(
      'norm/transact',
      `${norm.file}: a transaction of norm :${norm.id} failed: ${reason(err)}. Its claim${done > 0 ? ` and ${done} batches` : ''} stay committed and the norm is partial; fix it and run again to finish it.`,
      { file: norm.file, norm: norm.id, batchesDone: done },
      err,
    );
  }
}

function definesAttribute(norm: NormFile, attribute: unknown): boolean {
  const wanted = String(attribute).replace(/^:/, '');
  return (norm.txData ?? []).some((form) => {
    const ident = form instanceof Map ? form.get(kw('db/ident')) : undefined;
    return ident !== undefined && String(ident).replace(/^:/, '') === wanted;
  });
}

function inProgress(norm: NormFile): StepFailure {
  return new StepFailure(
    'norm/in-progress',
    `${norm.file}: another runner has been applying norm :${norm.id} for too long, or stopped half-way. Run again to finish it.`,
    { file: norm.file, norm: norm.id },
    undefined,
  );
}

function txOf(report: TxReport): number | null {
  return report.txData[0]?.tx ?? null;
}

function step(
  norm: NormFile,
  status: NormStep['status'],
  tx: number | null,
  datoms: readonly Datom[],
  batches: number | null,
): NormStep {
  return Object.freeze({ id: norm.id, file: norm.file, status, tx, datoms, batches });
}
