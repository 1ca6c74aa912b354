// Steps of random transaction sequences over people (name, tags, friends, a unique code), shared by
// the property tests that hold database values to what they answered earlier.

/** A step that writes one of the people attributes every such test has. */
export type PeopleStep =
  | { kind: 'new'; name: string; code: number }
  | { kind: 'rename'; who: number; name: string }
  | { kind: 'tag'; who: number; tag: string; add: boolean }
  | { kind: 'friend'; who: number; whom: number }
  | { kind: 'retract-entity'; who: number };

/** The person at position `i` (wrapping) of `people`, the entities created so far; 0 when none. */
export function person(people: readonly number[], i: number): number {
  return people[i % Math.max(1, people.length)] ?? 0;
}

/** The transaction of a {@link PeopleStep}; a new person is the tempid "p". */
export function peopleTx(s: PeopleStep, people: readonly number[]): unknown[] {
  const pick = (i: number): number => person(people, i);
  switch (s.kind) {
    case 'new':
      return [{ 'db/id': 'p', 'p/name': s.name, 'p/code': s.code }];
    case 'rename':
      return [['db/add', pick(s.who), 'p/name', s.name]];
    case 'tag':
      return [[s.add ? 'db/add' : 'db/retract', pick(s.who), 'p/tag', s.tag]];
    case 'friend':
      return [['db/add', pick(s.who), 'p/friend', pick(s.whom)]];
    case 'retract-entity':
      return [['db/retractEntity', pick(s.who)]];
  }
}

/** Whether `s` is a {@link PeopleStep}. */
export function isPeopleStep(s: { kind: string }): s is PeopleStep {
  return s.kind === 'new' || s.kind === 'rename' || s.kind === 'tag' || s.kind === 'friend' || s.kind === 'retract-entity';
}
