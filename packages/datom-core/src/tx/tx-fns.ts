// Transaction functions: called against the database before the transaction, their results
// expanded in place of their calls, recursively.
import { DatomError } from '../error/datom-error.js';
import type { DbState } from '../db/db-state.js';
import { isBuiltinOp, opName } from './expand-tx.js';
import { formToString, isEdnList } from './form-utils.js';
import type { TxFunction } from './tx-data.js';
import type { TxEnv } from './tx-env.js';

const MAX_FN_DEPTH = 32;

/** Replaces transaction function calls by the data they return, all against the db before. */
export async function callFns(forms: readonly unknown[], env: TxEnv, db: DbState, depth: number): Promise<unknown[]> {
  let out: unknown[] | null = null;
  for (let i = 0; i < forms.length; i++) {
    const f = forms[i];
    const items = Array.isArray(f) ? f : isEdnList(f) ? f.items : null;
    const name = items === null ? null : opName(items[0]);
    if (items === null || name === null || isBuiltinOp(name)) {
      out?.push(f);
      continue;
    }
    if (out === null) out = forms.slice(0, i);
    let fn: TxFunction | undefined;
    let args: readonly unknown[];
    if (name === 'db.fn/call') {
      if (typeof items[1] !== 'function') throw new DatomError('transact/syntax', 'db.fn/call takes a function', { data: { form: formToString(f) } });
      fn = items[1] as TxFunction;
      args = items.slice(2);
    } else {
      fn = env.txFns.get(name);
      args = items.slice(1);
    }
    if (fn === undefined) {
      throw new DatomError('transact/fn', `Unknown transaction function ${name}: register it on the connection`, {
        data: { fn: name, form: formToString(f) },
      });
    }
    if (depth >= MAX_FN_DEPTH) {
      throw new DatomError('transact/fn', `Transaction functions nest deeper than ${MAX_FN_DEPTH}`, { data: { fn: name } });
    }
    let result: unknown;
    try {
      result = await fn(env.dbOf(db), ...args);
    } catch (err) {
      if (err instanceof DatomError) throw err;
      throw new DatomError('transact/fn', `Transaction function ${name} failed: ${(err as Error)?.message ?? String(err)}`, {
        data: { fn: name, form: formToString(f) },
        cause: err,
      });
    }
    const data = typeof result === 'string' ? env.parseTx(result) : result;
    if (!Array.isArray(data)) {
      throw new DatomError('transact/fn', `Transaction function ${name} must return transaction data (a list of forms)`, {
        data: { fn: name, returned: formToString(result) },
      });
    }
    for (const g of await callFns(data, env, db, depth + 1)) out.push(g);
  }
  return out ?? (forms as unknown[]);
}

/** True when `forms` call a transaction function (a built-in operation is not one). */
export function hasFnCall(forms: readonly unknown[]): boolean {
  for (let i = 0; i < forms.length; i++) {
    const f = forms[i];
    const items = Array.isArray(f) ? f : isEdnList(f) ? f.items : null;
    if (items === null) continue;
    const name = opName(items[0]);
    if (name !== null && !isBuiltinOp(name)) return true;
  }
  return false;
}
