/** Splits `ns/name` at its first slash; a name without one (or `/` itself) has no namespace. */
export function splitQualifiedName(fqn: string): { namespace: string | null; name: string } {
  const slash = fqn.indexOf('/');
  return slash > 0 && fqn !== '/' ? { namespace: fqn.slice(0, slash), name: fqn.slice(slash + 1) } : { namespace: null, name: fqn };
}
