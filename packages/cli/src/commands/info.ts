import type { Attribute, Database } from '@datomkit/datom-core';
import type { Command } from 'commander';
import type { CommandContext } from '../internal/context.js';
import { withConnection } from '../internal/database.js';
import { describeCommand } from '../internal/describe.js';
import { formatBytes, formatCount } from '../internal/progress.js';
import { sizeOnDisk } from '../internal/storage-size.js';

function isBuiltIn(a: Attribute): boolean {
  const ns = a.ident.namespace ?? '';
  return ns === 'db' || ns.startsWith('db.') || ns === 'fressian';
}

/**
 * `datomkit info <db>`: identity, basis t, datom counts, attributes and size on disk.
 *
 * @example
 * ```ts
 * registerInfo(program, ctx) // then: datomkit info file:./data/music --json
 * ```
 */
export function registerInfo(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('info')
    .summary('identity, basis t, datom counts, attributes, size on disk')
    .description('Show what a database holds: its identity, basis t, datom counts, attributes (with datom counts) and size on disk.')
    .argument('<db>', 'database URI')
    .option('--all', 'list built-in db.* attributes too')
    .action(async (uri: string, opts: { all?: boolean }) => {
      const info = await withConnection(uri, (conn) => readInfo(conn.db(), uri, opts.all === true), { readOnly: true });
      ctx.result(info, () => {
        const c = ctx.outColors;
        ctx.out(`${c.bold(uri)}`);
        ctx.out(`  id          ${info.id}`);
        ctx.out(`  basis t     ${info.basisT}`);
        ctx.out(`  datoms      ${formatCount(info.datoms)}`);
        ctx.out(`  on disk     ${info.sizeOnDisk === null ? 'n/a (in memory)' : `${formatBytes(info.sizeOnDisk.bytes)} in ${info.sizeOnDisk.files} files`}`);
        ctx.out(`  attributes  ${info.attributes.length}${opts.all === true ? '' : ' (--all adds the built-in ones)'}`);
        const width = Math.max(10, ...info.attributes.map((a) => a.ident.length));
        for (const a of info.attributes) {
          const flags = [a.cardinality === 'many' ? 'many' : '', a.unique ?? '', a.index ? 'index' : '', a.isComponent ? 'component' : '']
            .filter((f) => f !== '')
            .join(' ');
          ctx.out(`    ${a.ident.padEnd(width)}  ${a.valueType.padEnd(8)} ${formatCount(a.datoms).padStart(9)}  ${c.dim(flags)}`);
        }
      });
    });
  describeCommand(cmd, {
    examples: ['datomkit info file:./data/music', 'datomkit info ./data/music --json'],
    json: '{ uri, id, basisT, datoms: number, sizeOnDisk: { bytes, files } | null, attributes: [{ ident: ":ns/name", valueType, cardinality, unique, index, isComponent, noHistory, doc, datoms }] }',
  });
}

async function readInfo(db: Database, uri: string, all: boolean) {
  const attributes = [];
  const attrs = [...db.schema().values()].filter((a) => all || !isBuiltIn(a)).sort((x, y) => (x.ident.fqn < y.ident.fqn ? -1 : 1));
  for (const a of attrs) {
    attributes.push({
      ident: `:${a.ident.fqn}`,
      valueType: a.valueType,
      cardinality: a.cardinality,
      unique: a.unique,
      index: a.index,
      isComponent: a.isComponent,
      noHistory: a.noHistory,
      doc: a.doc,
      datoms: await db.datoms('aevt', a.id).count(),
    });
  }
  return {
    uri,
    id: db.id,
    basisT: db.basisT,
    datoms: await db.datoms('eavt').count(),
    sizeOnDisk: await sizeOnDisk(uri),
    attributes,
  };
}
