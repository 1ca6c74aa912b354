import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { DatomError } from '@datomkit/datom-core';
import { type BackupPart, ioError, partPath } from './backup-folder.js';

const CHUNK = 4 << 20;

/**
 * The bytes of one file of a backup folder, in chunks, checked against its manifest: a missing file
 * is `backup/missing`, one of another size or checksum `backup/checksum`, each naming the file. The
 * check of the checksum comes with the last chunk.
 */
export async function* readPart(dir: string, part: BackupPart): AsyncGenerator<Uint8Array> {
  const file = partPath(dir, part.file);
  let h: Awaited<ReturnType<typeof open>>;
  try {
    h = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new DatomError('backup/missing', `The backup file ${file} is missing: the backup points that need it cannot be restored`, { data: { file } });
    }
    throw ioError('read', file, err);
  }
  const hash = createHash('sha256');
  let read = 0;
  try {
    for (;;) {
      const buf = new Uint8Array(Math.min(CHUNK, Math.max(1, part.bytes - read + 1)));
      const { bytesRead } = await h.read(buf, 0, buf.length, read);
      if (bytesRead === 0) break;
      read += bytesRead;
      if (read > part.bytes) break;
      const chunk = buf.subarray(0, bytesRead);
      hash.update(chunk);
      yield chunk;
    }
  } finally {
    await h.close();
  }
  const sha256 = read === part.bytes ? hash.digest('hex') : null;
  if (sha256 !== part.sha256) {
    const what = sha256 === null ? `holds ${read > part.bytes ? 'more than' : read} bytes where its manifest says ${part.bytes}` : 'does not match its checksum';
    throw new DatomError('backup/checksum', `The backup file ${file} ${what}: it is damaged; the backup points that need it cannot be restored`, {
      data: { file, bytes: read, expectedBytes: part.bytes, ...(sha256 === null ? {} : { sha256, expectedSha256: part.sha256 }) },
    });
  }
}
