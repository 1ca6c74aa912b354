import { type TxData, type TxMap, kw } from '@datomkit/datom-core';
import { ednText } from './internal/edn-text.js';

type Card = 'one' | 'many';

interface AttrSpec {
  readonly ident: string;
  readonly type: string;
  readonly card?: Card;
  readonly unique?: 'identity' | 'value';
  readonly component?: boolean;
  readonly index?: boolean;
  readonly tupleAttrs?: readonly string[];
  readonly doc: string;
}

const ATTRS: readonly AttrSpec[] = [
  { ident: 'label/gid', type: 'uuid', unique: 'identity', doc: 'Global id of a record label' },
  { ident: 'label/name', type: 'string', index: true, doc: 'Name of the label' },
  { ident: 'label/founded', type: 'long', doc: 'Year the label was founded' },
  { ident: 'label/website', type: 'uri', doc: 'Home page of the label' },

  { ident: 'artist/gid', type: 'uuid', unique: 'identity', doc: 'Global id of an artist' },
  { ident: 'artist/name', type: 'string', index: true, doc: 'Name the artist performs under' },
  { ident: 'artist/sortName', type: 'string', doc: 'Name used for sorting, e.g. "Beatles, The"' },
  { ident: 'artist/type', type: 'ref', doc: 'One of the :artist.type/* enum idents' },
  { ident: 'artist/country', type: 'keyword', doc: 'Country of origin as a keyword, e.g. :country/GB' },
  { ident: 'artist/startYear', type: 'long', doc: 'Year the artist was born or formed' },
  { ident: 'artist/active', type: 'boolean', doc: 'Whether the artist is still active' },
  { ident: 'artist/homepage', type: 'uri', doc: 'Home page of the artist' },
  {
    ident: 'artist/influencedBy',
    type: 'ref',
    card: 'many',
    doc: 'Artists this artist was influenced by; the graph has cycles',
  },

  { ident: 'release/gid', type: 'uuid', unique: 'identity', doc: 'Global id of a release' },
  { ident: 'release/name', type: 'string', index: true, doc: 'Title of the release' },
  { ident: 'release/artists', type: 'ref', card: 'many', doc: 'Artists credited on the release' },
  { ident: 'release/label', type: 'ref', doc: 'Label that issued the release' },
  { ident: 'release/type', type: 'ref', doc: 'One of the :release.type/* enum idents' },
  { ident: 'release/date', type: 'instant', doc: 'Release date' },
  { ident: 'release/price', type: 'bigdec', doc: 'List price, e.g. 9.99M' },
  { ident: 'release/genres', type: 'keyword', card: 'many', doc: 'Genres as keywords, e.g. :genre/jazz' },
  { ident: 'release/artwork', type: 'bytes', doc: 'A small cover thumbnail hash' },
  { ident: 'release/media', type: 'ref', card: 'many', component: true, doc: 'Discs or other media of the release' },

  { ident: 'medium/format', type: 'ref', doc: 'One of the :medium.format/* enum idents' },
  { ident: 'medium/position', type: 'long', doc: 'Position of the medium in its release, from 1' },

  { ident: 'track/gid', type: 'uuid', unique: 'identity', doc: 'Global id of a track' },
  { ident: 'track/name', type: 'string', doc: 'Title of the track' },
  { ident: 'track/medium', type: 'ref', doc: 'Medium the track is on' },
  { ident: 'track/position', type: 'long', doc: 'Position of the track on its medium, from 1' },
  {
    ident: 'track/medium+position',
    type: 'tuple',
    unique: 'value',
    tupleAttrs: ['track/medium', 'track/position'],
    doc: 'A medium has one track per position',
  },
  { ident: 'track/duration', type: 'long', doc: 'Duration in milliseconds' },
  { ident: 'track/loudness', type: 'double', doc: 'Integrated loudness in LUFS' },
  { ident: 'track/tempo', type: 'float', doc: 'Tempo in beats per minute' },
  { ident: 'track/explicit', type: 'boolean', doc: 'Whether the track has explicit lyrics' },

  { ident: 'credit/artist', type: 'ref', doc: 'The credited artist (a credit has only ref attributes)' },
  { ident: 'credit/track', type: 'ref', doc: 'The credited track' },
];

/**
 * The catalog's enum idents (without the colon), by the ref attribute whose values they are.
 *
 * @example
 * ```ts
 * CATALOG_ENUMS['release/type'] // ['release.type/album', 'release.type/single', ...]
 * ```
 */
export const CATALOG_ENUMS = {
  'artist/type': ['artist.type/person', 'artist.type/group', 'artist.type/orchestra', 'artist.type/choir'],
  'release/type': ['release.type/album', 'release.type/single', 'release.type/ep', 'release.type/compilation'],
  'medium/format': ['medium.format/cd', 'medium.format/vinyl', 'medium.format/digital', 'medium.format/cassette'],
} as const;

function attrForm(spec: AttrSpec): TxMap {
  const form: Record<string, unknown> = {
    'db/ident': kw(spec.ident),
    'db/valueType': kw(`db.type/${spec.type}`),
    'db/cardinality': kw(`db.cardinality/${spec.card ?? 'one'}`),
  };
  if (spec.unique !== undefined) form['db/unique'] = kw(`db.unique/${spec.unique}`);
  if (spec.component === true) form['db/isComponent'] = true;
  if (spec.index === true) form['db/index'] = true;
  if (spec.tupleAttrs !== undefined) form['db/tupleAttrs'] = spec.tupleAttrs.map((a) => kw(a));
  form['db/doc'] = spec.doc;
  return form;
}

/**
 * The music catalog's schema as transaction data: every attribute (with value type, cardinality,
 * uniqueness, `isComponent`, the `:track/medium+position` composite tuple and docs), then the enum
 * idents. Transact it once before the batches of {@link generateCatalog}.
 *
 * @example
 * ```ts
 * await conn.transact(catalogSchema())
 * ```
 */
export function catalogSchema(): TxData {
  const enums = Object.values(CATALOG_ENUMS)
    .flat()
    .map((ident): TxMap => ({ 'db/ident': kw(ident) }));
  return [...ATTRS.map(attrForm), ...enums];
}

/**
 * {@link catalogSchema} as Datomic EDN text, one map per line.
 *
 * @example
 * ```ts
 * await conn.transact(catalogSchemaEdn()) // EDN text is accepted wherever tx data is
 * ```
 */
export function catalogSchemaEdn(): string {
  return `[${catalogSchema()
    .map((form) => ednText(form))
    .join('\n ')}]\n`;
}

/**
 * The catalog's cardinality-many attributes (idents without the colon), for counting datoms.
 *
 * @example
 * ```ts
 * CATALOG_MANY_ATTRS.has('release/genres') // true
 * ```
 */
export const CATALOG_MANY_ATTRS: ReadonlySet<string> = new Set(
  ATTRS.filter((a) => a.card === 'many').map((a) => a.ident),
);

/**
 * The value type of each catalog attribute (the name after `:db.type/`), by ident.
 *
 * @example
 * ```ts
 * CATALOG_VALUE_TYPES.get('release/price') // 'bigdec'
 * ```
 */
export const CATALOG_VALUE_TYPES: ReadonlyMap<string, string> = new Map(ATTRS.map((a) => [a.ident, a.type]));
