import { type Connection, DatomError } from '@datomkit/datom-core';
import type { EnsureNormsOptions, EnsureNormsResult } from '../apply/ensure-norms.js';
import type { NormStep } from '../apply/norm-step.js';
import { resolveTxFns } from '../apply/norm-tx-fn.js';
import { verifyChecksums as verify } from '../checksum/verify-checksums.js';
import { readMarker, readMarkers } from '../marker/norm-marker.js';
import type { NormFile } from '../norm/norm-file.js';
import { type NormSink, StepFailure, applyNorm, installMarkerSchema } from './norm-runner.js';

/** How long a run waits by default for another runner to finish a norm it started. */
export const DEFAULT_WAIT_MS = 60_000;

/** The connection itself as the place transactions go. */
export function connectionSink(conn: Connection, waitMs = DEFAULT_WAIT_MS): NormSink {
  return {
    dryRun: false,
    waitMs,
    conn,
    db: () => conn.db(),
    latest: () => conn.sync(),
    transact: (tx) => conn.transact(tx),
  };
}

/** Throws `norm/checksum-mismatch` with the verification in its data unless the folder matches. */
export async function assertChecksums(dir: string, norms: readonly NormFile[]): Promise<void> {
  const v = await verify(dir, norms);
  if (v.ok) return;
  const parts = [
    v.added.length > 0 ? `new without checksum: ${v.added.join(', ')}` : '',
    v.missing.length > 0 ? `checksum without file: ${v.missing.join(', ')}` : '',
    v.changed.length > 0 ? `changed: ${v.changed.map((c) => c.id).join(', ')}` : '',
  ].filter((p) => p !== '');
  throw new DatomError(
    'norm/checksum-mismatch',
    `The norms in ${dir} do not match ${v.file} (${parts.join('; ')}). Nothing was applied. ` +
      'Never edit an applied norm: add a new one. If the change is intended, run updateChecksums and commit checksums.edn.',
    { data: { folder: dir, file: v.file, added: v.added, missing: v.missing, changed: v.changed } },
  );
}

/** The loop shared by ensureNorms and dryRun. */
export async function runNorms(
  sink: NormSink,
  norms: readonly NormFile[],
  options: EnsureNormsOptions,
): Promise<EnsureNormsResult> {
  const before = await readMarkers(await sink.latest());
  const pending = norms.filter((n) => before.get(n.id)?.complete !== true);
  const fns = resolveTxFns(pending, options.txFns);
  const markerInstalled = await installMarkerSchema(sink);
  const steps: NormStep[] = [];
  for (const norm of norms) {
    // Re-read (synced with other processes) before each norm: another runner may have applied it.
    const known = before.get(norm.id) ?? null;
    const marker = known?.complete ? known : await readMarker(await sink.latest(), norm.id);
    let s: NormStep;
    if (marker?.complete) {
      s = Object.freeze({ id: norm.id, file: norm.file, status: 'skipped', tx: null, datoms: [], batches: null });
    } else {
      try {
        s = await applyNorm(sink, norm, fns.get(norm.id), marker);
      } catch (err) {
        if (!(err instanceof StepFailure)) throw err;
        throw new DatomError(err.code, err.message, {
          data: { ...err.data, steps: [...steps], markerInstalled },
          cause: err.cause,
        });
      }
    }
    steps.push(s);
    options.onStep?.(s);
  }
  return {
    markerInstalled,
    steps,
    applied: steps.filter((s) => s.status === 'applied').map((s) => s.id),
  };
}
