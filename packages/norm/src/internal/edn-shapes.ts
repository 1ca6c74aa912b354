/**
 * Recognises the EDN reader's list and set values. Matched by shape so that hashing does not
 * depend on which copy of datom-core built the value.
 */
interface ItemsHolder {
  readonly items: readonly unknown[];
}

function hasItems(x: unknown, kind: string): x is ItemsHolder {
  if (typeof x !== 'object' || x === null) return false;
  const ctor = (x as { constructor?: { name?: unknown } }).constructor;
  return ctor?.name === kind && Array.isArray((x as { items?: unknown }).items);
}

/** True for an EDN list `( ... )`. */
export function isEdnList(x: unknown): x is ItemsHolder {
  return hasItems(x, 'EdnList');
}

/** True for an EDN set `#{ ... }`. */
export function isEdnSet(x: unknown): x is ItemsHolder {
  return hasItems(x, 'EdnSet');
}
