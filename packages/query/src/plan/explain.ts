import type { Plan, Step } from './plan.js';

/** One step of a {@link QueryPlan}. */
export interface PlanStep {
  /** What the step does: `pattern`, `pred`, `fn`, `not`, `or` or `rule`. */
  readonly kind: Step['kind'];
  /** The clause, as EDN. */
  readonly clause: string;
  /** Rows estimated after this step. */
  readonly estimate: number;
  /** For a pattern: the index it reads, and the datoms its constants alone match. */
  readonly index?: string;
  readonly datoms?: number;
  /** Predicates applied inside the pattern's scan (an AVET range when the value is compared). */
  readonly pushed?: readonly string[];
  /** For a pattern that follows bound variables: which of them it looks up by. */
  readonly joinsOn?: readonly string[];
  /** For not, or and rules: the variables it joins on. */
  readonly join?: readonly string[];
  /** For not, or and non-recursive rules: the plans of its parts; a recursive rule says so. */
  readonly parts?: readonly (readonly PlanStep[])[];
  readonly recursive?: boolean;
}

/** The plan of a query, as {@link explain} returns it. `toString()` gives readable text. */
export interface QueryPlan {
  readonly query: string;
  /** Rows the inputs bind (1 without collection or relation inputs). */
  readonly inputRows: number;
  readonly steps: readonly PlanStep[];
  /** Estimated rows before :find. */
  readonly estimate: number;
  toString(): string;
}

function round(x: number): number {
  return x >= 10 ? Math.round(x) : Math.round(x * 100) / 100;
}

function describeSteps(plan: Plan, bound: Set<string>): PlanStep[] {
  const out: PlanStep[] = [];
  for (const s of plan.steps) {
    const base = { kind: s.kind, clause: s.clause.text, estimate: round(s.est) };
    switch (s.kind) {
      case 'pattern': {
        const joinsOn = s.slots.flatMap((x) => (x.kind === 'var' && bound.has(x.name) ? [x.name] : []));
        out.push({
          ...base,
          index: s.never ? 'none (a constant names nothing)' : s.range.length > 0 ? 'avet range' : s.index,
          datoms: s.base,
          ...(s.pushed.length > 0 ? { pushed: s.pushed.map((p) => p.text) } : {}),
          ...(joinsOn.length > 0 ? { joinsOn: [...new Set(joinsOn)] } : {}),
        });
        break;
      }
      case 'not':
        out.push({ ...base, join: s.join, parts: [describeSteps(s.plan, new Set(s.join))] });
        break;
      case 'or':
        out.push({ ...base, join: s.join, parts: s.branches.map((b) => describeSteps(b, new Set(s.join))) });
        break;
      case 'rule':
        out.push(s.recursive ? { ...base, recursive: true } : { ...base, parts: s.bodies.map((b) => describeSteps(b, new Set())) });
        break;
      default:
        out.push(base);
    }
    for (const s2 of stepVars(s)) bound.add(s2);
  }
  return out;
}

function stepVars(s: Step): string[] {
  if (s.kind === 'pattern') return s.slots.flatMap((x) => (x.kind === 'var' ? [x.name] : []));
  if (s.kind === 'or') return [...s.clause.vars];
  if (s.kind === 'rule') return s.clause.args.flatMap((a) => (a.kind === 'var' ? [a.name] : []));
  if (s.kind === 'fn') {
    const b = s.clause.binding;
    return (b.kind === 'scalar' || b.kind === 'coll' ? [b.name] : b.names).filter((n): n is string => n !== null);
  }
  return [];
}

function lines(steps: readonly PlanStep[], indent: string): string[] {
  const out: string[] = [];
  steps.forEach((s, i) => {
    let how = '';
    if (s.kind === 'pattern') {
      how = `${s.index}, ${s.datoms} datoms match its constants`;
      if (s.joinsOn !== undefined) how += `; joins on ${s.joinsOn.join(' ')} (lookup per key or hash join, by size)`;
      if (s.pushed !== undefined) how += `; pushed: ${s.pushed.join(' ')}`;
    } else if (s.kind === 'pred') how = 'filter';
    else if (s.kind === 'fn') how = 'binds per row';
    else if (s.kind === 'not') how = `anti-join on ${s.join?.join(' ') || 'nothing'}`;
    else if (s.kind === 'or') how = `union of ${s.parts?.length} branches, joins on ${s.join?.join(' ') || 'nothing'}`;
    else if (s.kind === 'rule') how = s.recursive ? 'recursive: whole relation by semi-naive evaluation, then joined' : `inlined, ${s.parts?.length} bodies`;
    out.push(`${indent}${i + 1}. ${s.clause}  ~${s.estimate} rows  [${how}]`);
    s.parts?.forEach((p, j) => {
      out.push(`${indent}   ${s.kind === 'not' ? 'not' : s.kind === 'or' ? `branch ${j + 1}` : `body ${j + 1}`}:`);
      out.push(...lines(p, `${indent}     `));
    });
  });
  return out;
}

/** The explain form of a plan. */
export function describePlan(query: string, plan: Plan, inputRows: number): QueryPlan {
  const steps = describeSteps(plan, new Set());
  const text = [`plan for ${query}`, `inputs: ${inputRows} row${inputRows === 1 ? '' : 's'}`, ...lines(steps, ''), `estimated rows before :find: ${round(plan.est)}`].join('\n');
  return { query, inputRows, steps, estimate: round(plan.est), toString: () => text };
}
