import type { Command } from 'commander';
import type { CommandContext } from '../internal/context.js';
import { registerBackup } from './backup.js';
import { registerBackupFile } from './backup-file.js';
import { registerBackupsList } from './backups-list.js';
import { registerBackupsVerify } from './backups-verify.js';
import { registerCreate } from './create.js';
import { registerExport } from './export.js';
import { registerImport } from './import.js';
import { registerDatoms } from './datoms.js';
import { registerGc } from './gc.js';
import { registerInfo } from './info.js';
import { registerLog } from './log.js';
import { registerNormApply } from './norm-apply.js';
import { registerNormChecksums } from './norm-checksums.js';
import { registerNormNew } from './norm-new.js';
import { registerNormStatus } from './norm-status.js';
import { registerNormVerify } from './norm-verify.js';
import { registerPull } from './pull.js';
import { registerQ } from './q.js';
import { registerRepair } from './repair.js';
import { registerRestore } from './restore.js';
import { registerRestoreBackup } from './restore-backup.js';
import { registerRestoreFile } from './restore-file.js';
import { registerTransact } from './transact.js';
import { registerVerify } from './verify.js';

/**
 * Adds every command to `program`, in the order the help lists them.
 *
 * @example
 * ```ts
 * registerCommands(program, ctx)
 * ```
 */
export function registerCommands(program: Command, ctx: CommandContext): void {
  registerCreate(program, ctx);
  registerInfo(program, ctx);
  registerTransact(program, ctx);
  registerDatoms(program, ctx);
  registerPull(program, ctx);
  registerQ(program, ctx);
  registerLog(program, ctx);
  registerGc(program, ctx);
  registerRepair(program, ctx);
  registerRestore(program, ctx);
  registerVerify(program, ctx);
  registerBackup(program, ctx);
  const backups = program.command('backups').summary('backup folders: list, verify').description('The backup points of a backup folder written by datomkit backup.');
  registerBackupsList(backups, ctx);
  registerBackupsVerify(backups, ctx);
  registerRestoreBackup(program, ctx);
  registerBackupFile(program, ctx);
  registerRestoreFile(program, ctx);
  registerExport(program, ctx);
  registerImport(program, ctx);
  const norm = program
    .command('norm')
    .summary('schema migrations: status, apply, verify, checksums, new')
    .description('Schema migrations from a folder of EDN files, applied once and only once (Datahike-compatible checksums).');
  registerNormStatus(norm, ctx);
  registerNormApply(norm, ctx);
  registerNormVerify(norm, ctx);
  registerNormChecksums(norm, ctx);
  registerNormNew(norm, ctx);
}
