import { type NormStatus, verifyChecksums } from '@datomkit/norm';
import { isDatomError } from '@datomkit/datom-core';

/**
 * What `norm status` and `norm apply` tell the user to do about a folder, so that the two agree:
 * a pending norm is applied by `norm apply` (once checksums.edn matches, since apply checks it
 * first); a norm changed since it was applied is never applied again, whatever apply is asked.
 *
 * @example
 * ```ts
 * const advice = await normAdvice(status, uri, dir, { verifyChecksums: true }) // ['run `datomkit norm apply …`']
 * ```
 */
export async function normAdvice(status: NormStatus, uri: string, dir: string, options: { readonly verifyChecksums: boolean }): Promise<string[]> {
  const advice: string[] = [];
  const changed = status.norms.filter((n) => n.state === 'changed').map((n) => n.id);
  const missing = status.norms.filter((n) => n.state === 'missing').map((n) => n.id);
  const toApply = status.norms.some((n) => n.state === 'pending' || n.state === 'partial');
  if (toApply) {
    const checksums = options.verifyChecksums ? await checksumProblem(dir) : null;
    if (checksums !== null) advice.push(`${checksums}: run \`datomkit norm checksums ${dir}\` (and commit it), then \`datomkit norm apply ${uri} ${dir}\``);
    else advice.push(`run \`datomkit norm apply ${uri} ${dir}\``);
  }
  if (changed.length > 0) {
    advice.push(
      `${changed.join(', ')} changed since applied, and an applied norm is never applied again: put the file back as it was applied, and make the change in a new norm (\`datomkit norm new ${dir} <name>\`)`,
    );
  }
  if (missing.length > 0) advice.push(`${missing.join(', ')} applied but no longer in ${dir}: put the file back`);
  return advice;
}

/** Why `norm apply` would refuse the folder's checksums.edn, or null when it matches. */
async function checksumProblem(dir: string): Promise<string | null> {
  try {
    const v = await verifyChecksums(dir);
    return v.ok ? null : 'checksums.edn does not match the norm files';
  } catch (err) {
    if (isDatomError(err, 'norm/missing-checksums')) return 'checksums.edn is missing';
    throw err;
  }
}
