import { DatomError, EdnList, Keyword, Sym, parseEdn, printEdn } from '@datomkit/datom-core';
import type { Binding, Clause, FindElement, FindKind, Input, Query, Rule, Term } from './ast.js';

/** A query as a caller gives it: EDN text, the parsed vector, or the map form (parsed). */
export type QueryForm = string | readonly unknown[] | ReadonlyMap<unknown, unknown>;

/** The EDN text of a form, for messages and `explain`. */
export function ednText(form: unknown): string {
  try {
    return printEdn(form as never);
  } catch {
    return String(form);
  }
}

function syntax(message: string, form: unknown, extra: Record<string, unknown> = {}): DatomError {
  return new DatomError('query/syntax', message, { data: { clause: ednText(form), ...extra } });
}

function isSym(x: unknown): x is Sym {
  return x instanceof Sym;
}

/** True for a variable symbol `?x`. */
export function isVar(x: unknown): x is Sym {
  return x instanceof Sym && x.fqn.startsWith('?') && x.fqn.length > 1;
}

function isSrc(x: unknown): x is Sym {
  return x instanceof Sym && x.fqn.startsWith('$');
}

function isBlank(x: unknown): boolean {
  return x instanceof Sym && x.fqn === '_';
}

function term(x: unknown): Term {
  if (isVar(x)) return { kind: 'var', name: x.fqn };
  if (isBlank(x)) return { kind: 'blank' };
  if (isSrc(x)) return { kind: 'src', name: x.fqn };
  if (x instanceof Sym) return { kind: 'const', value: x };
  return { kind: 'const', value: x };
}

/** Reads a query given as text, a vector or a map into its parsed form; `query/syntax` when malformed. */
export function parseQuery(form: QueryForm): Query {
  let edn: unknown = form;
  if (typeof form === 'string') {
    try {
      edn = parseEdn(form);
    } catch (err) {
      throw new DatomError('query/syntax', `The query is not valid EDN: ${(err as Error).message}`, { data: { query: form }, cause: err });
    }
  }
  const text = typeof form === 'string' ? form : ednText(form);
  const sections = new Map<string, unknown[]>();
  if (edn instanceof Map) {
    for (const [k, v] of edn) {
      if (!(k instanceof Keyword)) throw syntax('A query map has keyword keys (:find, :in, :where, ...)', k);
      if (!Array.isArray(v)) throw syntax(`The value of :${k.fqn} in a query map must be a vector`, v);
      sections.set(k.fqn, v);
    }
  } else if (Array.isArray(edn)) {
    let current: unknown[] | null = null;
    for (const x of edn) {
      if (x instanceof Keyword) {
        if (sections.has(x.fqn)) throw syntax(`:${x.fqn} appears twice in the query`, edn);
        current = [];
        sections.set(x.fqn, current);
      } else if (current === null) throw syntax('A query vector starts with :find', edn);
      else current.push(x);
    }
  } else throw new DatomError('query/syntax', 'A query is a vector [:find ... :where ...] or a map {:find [...] ...}', { data: { query: text } });
  for (const k of sections.keys()) {
    if (!['find', 'in', 'where', 'with', 'keys', 'syms', 'strs'].includes(k)) throw syntax(`Unknown query section :${k}`, edn, { section: `:${k}` });
  }
  const findForms = sections.get('find');
  if (findForms === undefined || findForms.length === 0) throw new DatomError('query/bad-find', 'A query needs a :find with at least one element', { data: { query: text } });
  const { elements, kind } = parseFind(findForms);
  let returnMap: Query['returnMap'] = null;
  for (const k of ['keys', 'syms', 'strs'] as const) {
    const names = sections.get(k);
    if (names === undefined) continue;
    if (returnMap !== null) throw new DatomError('query/bad-find', 'Use only one of :keys, :syms and :strs', { data: { query: text } });
    if (kind === 'scalar' || kind === 'coll') throw new DatomError('query/bad-find', `:${k} needs a relation or tuple find`, { data: { find: ednText(findForms) } });
    if (names.length !== elements.length) {
      throw new DatomError('query/bad-find', `:${k} names ${names.length} keys for ${elements.length} find elements`, { data: { find: ednText(findForms), [k]: ednText(names) } });
    }
    returnMap = { kind: k, names: names.map((n) => (n instanceof Sym || n instanceof Keyword ? n.fqn : typeof n === 'string' ? n : ednText(n))) };
  }
  const withVars = (sections.get('with') ?? []).map((x) => {
    if (!isVar(x)) throw syntax(':with lists variables', x);
    return x.fqn;
  });
  const inForms = sections.get('in') ?? [new Sym('$')];
  const inputs: Input[] = inForms.map(parseInput);
  const where = (sections.get('where') ?? []).map((c) => parseClause(c, '$'));
  return { find: elements, findKind: kind, returnMap, with: withVars, in: inputs, where, text };
}

function parseFind(forms: readonly unknown[]): { elements: FindElement[]; kind: FindKind } {
  if (forms.length === 2 && isSym(forms[1]) && forms[1].fqn === '.') return { elements: [findElement(forms[0])], kind: 'scalar' };
  if (forms.length === 1 && Array.isArray(forms[0])) {
    const v = forms[0] as unknown[];
    if (v.length === 2 && isSym(v[1]) && v[1].fqn === '...') return { elements: [findElement(v[0])], kind: 'coll' };
    if (v.length === 0) throw new DatomError('query/bad-find', 'A tuple find [?a ?b] needs at least one element', { data: { find: ednText(forms) } });
    return { elements: v.map(findElement), kind: 'tuple' };
  }
  for (const f of forms) {
    if (isSym(f) && (f.fqn === '.' || f.fqn === '...')) throw new DatomError('query/bad-find', `Misplaced ${f.fqn} in :find`, { data: { find: ednText(forms) } });
  }
  return { elements: forms.map(findElement), kind: 'rel' };
}

function findElement(x: unknown): FindElement {
  if (isVar(x)) return { kind: 'var', name: x.fqn };
  if (x instanceof EdnList && x.items.length > 0 && isSym(x.items[0])) {
    const head = (x.items[0] as Sym).fqn;
    const rest = x.items.slice(1);
    if (head === 'pull') {
      const [src, e, pattern] = isSrc(rest[0]) ? [(rest[0] as Sym).fqn, rest[1], rest[2]] : ['$', rest[0], rest[1]];
      if (!isVar(e) || pattern === undefined || rest.length > (src === '$' && !isSrc(rest[0]) ? 2 : 3)) {
        throw new DatomError('query/bad-find', 'pull in :find is (pull ?e pattern) or (pull $src ?e pattern)', { data: { find: ednText(x) } });
      }
      // A pattern input may be named by a plain symbol (Datomic's `pattern`) as well as a variable.
      const pt: Term = pattern instanceof Sym && !isSrc(pattern) && !isBlank(pattern) ? { kind: 'var', name: (pattern as Sym).fqn } : term(pattern);
      if (pt.kind === 'const' && !Array.isArray(pt.value)) throw new DatomError('query/bad-find', 'A pull pattern in :find is a vector or an input variable', { data: { find: ednText(x) } });
      return { kind: 'pull', src, name: e.fqn, pattern: pt };
    }
    const args = rest.map(term);
    const last = args[args.length - 1];
    if (last === undefined || last.kind !== 'var' || args.slice(0, -1).some((a) => a.kind !== 'const')) {
      throw new DatomError('query/bad-find', 'An aggregate is (fn constants... ?var), e.g. (count ?e) or (max 3 ?x)', { data: { find: ednText(x) } });
    }
    return { kind: 'agg', fn: head, args, name: last.name, text: ednText(x) };
  }
  throw new DatomError('query/bad-find', `Not a find element: ${ednText(x)} (a variable, (pull ?e pattern) or an aggregate)`, { data: { find: ednText(x) } });
}

function parseBinding(x: unknown, where: unknown): Binding {
  const name = (v: unknown): string | null => {
    if (isBlank(v)) return null;
    if (isVar(v)) return v.fqn;
    throw syntax(`A binding holds variables or _, got ${ednText(v)}`, where);
  };
  if (isVar(x) || isBlank(x)) return { kind: 'scalar', name: name(x) };
  if (Array.isArray(x)) {
    if (x.length === 1 && Array.isArray(x[0])) {
      const inner = x[0] as unknown[];
      if (inner.length === 0) throw syntax('A relation binding [[?a ?b]] needs variables', where);
      return { kind: 'rel', names: inner.map(name) };
    }
    if (x.length === 2 && isSym(x[1]) && x[1].fqn === '...') return { kind: 'coll', name: name(x[0]) };
    if (x.length === 0) throw syntax('A tuple binding [?a ?b] needs variables', where);
    return { kind: 'tuple', names: x.map(name) };
  }
  throw syntax(`Not a binding: ${ednText(x)}`, where);
}

function parseInput(x: unknown): Input {
  if (isSrc(x)) return { kind: 'src', name: x.fqn };
  if (isSym(x) && x.fqn === '%') return { kind: 'rules' };
  // A plain symbol names an input too (Datomic's pull `pattern`).
  if (isSym(x) && !isBlank(x) && x.fqn !== '...' && x.fqn !== '.') return { kind: 'binding', binding: { kind: 'scalar', name: x.fqn } };
  return { kind: 'binding', binding: parseBinding(x, x) };
}

function varsOf(x: unknown, what: string, form: unknown): string[] {
  if (!Array.isArray(x)) throw syntax(`${what} needs a vector of variables`, form);
  return x.map((v) => {
    if (!isVar(v)) throw syntax(`${what} lists variables, got ${ednText(v)}`, form);
    return v.fqn;
  });
}

/** Parses one `:where` clause (or one clause of a rule body); `src` is the default source. */
export function parseClause(c: unknown, src: string): Clause {
  const text = ednText(c);
  if (Array.isArray(c)) {
    if (c.length === 0) throw syntax('An empty clause', c);
    const first = c[0];
    if (first instanceof EdnList) {
      const items = first.items;
      if (items.length === 0 || !isSym(items[0])) throw syntax('A function call starts with a function name', c);
      const fn = (items[0] as Sym).fqn;
      const args = items.slice(1).map(term);
      if (c.length === 1) return { kind: 'pred', fn, args, text };
      if (c.length === 2) return { kind: 'fn', fn, args, binding: parseBinding(c[1], c), text };
      throw syntax('A function expression is [(f args...)] or [(f args...) binding]', c);
    }
    let parts: unknown[] = c;
    let s = src;
    if (isSrc(first)) {
      s = first.fqn;
      parts = c.slice(1);
    }
    if (parts.length === 0 || parts.length > 5) throw syntax('A data pattern has 1 to 5 positions: [e a v tx added]', c);
    const terms = parts.map((p) => {
      if (p instanceof EdnList) throw syntax('A data pattern holds variables, constants and _, not lists', c);
      return term(p);
    });
    while (terms.length < 5) terms.push({ kind: 'blank' });
    for (const t of terms) if (t.kind === 'src') throw syntax('A source symbol may only lead a pattern', c);
    return { kind: 'pattern', src: s, terms, text };
  }
  if (c instanceof EdnList) {
    let items = c.items;
    let s = src;
    if (items.length > 0 && isSrc(items[0])) {
      s = (items[0] as Sym).fqn;
      items = items.slice(1);
    }
    const head = items[0];
    if (!isSym(head)) throw syntax('A list clause starts with not, not-join, or, or-join, and, or a rule name', c);
    const rest = items.slice(1);
    switch (head.fqn) {
      case 'not': {
        if (rest.length === 0) throw syntax('not needs at least one clause', c);
        const clauses = rest.map((x) => parseClause(x, s));
        return { kind: 'not', src: s, vars: [...new Set(clauses.flatMap(clauseVars))], explicit: false, clauses, text };
      }
      case 'not-join': {
        if (rest.length < 2) throw syntax('not-join needs [vars] and at least one clause', c);
        const vars = varsOf(rest[0], 'not-join', c);
        return { kind: 'not', src: s, vars, explicit: true, clauses: rest.slice(1).map((x) => parseClause(x, s)), text };
      }
      case 'or':
      case 'or-join': {
        let required: string[] = [];
        let vars: string[] | null = null;
        let body = rest;
        if (head.fqn === 'or-join') {
          const spec = rest[0];
          if (!Array.isArray(spec)) throw syntax('or-join needs [vars] and at least one clause', c);
          if (spec.length > 0 && Array.isArray(spec[0])) {
            required = varsOf(spec[0], 'or-join', c);
            vars = [...required, ...varsOf(spec.slice(1), 'or-join', c)];
          } else vars = varsOf(spec, 'or-join', c);
          body = rest.slice(1);
        }
        if (body.length === 0) throw syntax(`${head.fqn} needs at least one clause`, c);
        const branches = body.map((b) => {
          if (b instanceof EdnList && isSym(b.items[0]) && (b.items[0] as Sym).fqn === 'and') {
            if (b.items.length < 2) throw syntax('and needs at least one clause', b);
            return b.items.slice(1).map((x) => parseClause(x, s));
          }
          return [parseClause(b, s)];
        });
        if (vars === null) {
          const sets = branches.map((b) => new Set(b.flatMap(clauseVars)));
          const first = sets[0] as Set<string>;
          for (const other of sets) {
            if (other.size !== first.size || [...other].some((v) => !first.has(v))) {
              throw syntax('Every branch of or must use the same variables (use or-join to name the ones that join)', c);
            }
          }
          vars = [...first];
        }
        return { kind: 'or', src: s, required, vars, branches, text };
      }
      case 'and':
        throw syntax('and may only appear inside or and or-join', c);
      default:
        return { kind: 'rule', src: s, name: head.fqn, args: rest.map(term), text };
    }
  }
  throw syntax(`Not a clause: ${text}`, c);
}

function termVars(ts: readonly Term[]): string[] {
  const out: string[] = [];
  for (const t of ts) if (t.kind === 'var') out.push(t.name);
  return out;
}

/** The variables a clause mentions (for not and or, those it joins on). */
export function clauseVars(c: Clause): string[] {
  switch (c.kind) {
    case 'pattern':
    case 'pred':
    case 'rule':
      return termVars(c.kind === 'pattern' ? c.terms : c.args);
    case 'fn':
      return [...termVars(c.args), ...bindingVars(c.binding)];
    case 'not':
    case 'or':
      return [...c.vars];
  }
}

/** The variables a binding binds. */
export function bindingVars(b: Binding): string[] {
  const names = b.kind === 'scalar' || b.kind === 'coll' ? [b.name] : b.names;
  return names.filter((n): n is string => n !== null);
}

/** Parses rules given as EDN text or parsed EDN: a vector of `[(name args...) clauses...]`. */
export function parseRules(form: unknown): Rule[] {
  let edn = form;
  if (typeof form === 'string') {
    try {
      edn = parseEdn(form);
    } catch (err) {
      throw new DatomError('query/syntax', `The rules are not valid EDN: ${(err as Error).message}`, { data: { rules: form }, cause: err });
    }
  }
  if (!Array.isArray(edn)) throw new DatomError('query/bad-input', 'Rules (%) are a vector of rule definitions', { data: { rules: ednText(edn) } });
  return edn.map((r) => {
    if (!Array.isArray(r) || r.length < 2 || !(r[0] instanceof EdnList)) throw syntax('A rule is [(name ?args...) clauses...]', r, { rule: ednText(r) });
    const head = (r[0] as EdnList).items;
    if (!isSym(head[0]) || isVar(head[0])) throw syntax('A rule head starts with the rule name', r, { rule: ednText(r) });
    let args = head.slice(1);
    let required: string[] = [];
    if (Array.isArray(args[0])) {
      required = varsOf(args[0], 'A rule head', r);
      args = args.slice(1);
    }
    const vars = [...required, ...varsOf(args, 'A rule head', r)];
    if (new Set(vars).size !== vars.length) throw syntax('A rule head names each variable once', r, { rule: ednText(r) });
    return { name: (head[0] as Sym).fqn, required, vars, clauses: r.slice(1).map((c) => parseClause(c, '$')), text: ednText(r) };
  });
}
