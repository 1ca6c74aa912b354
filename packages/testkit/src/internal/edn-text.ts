import { BigDec, Keyword, Uri, Uuid } from '@datomkit/datom-core';

/**
 * Writes a tx-data value as Datomic EDN. Written here rather than with edn-data because the values
 * are datom-core's own classes (Keyword, Uuid, BigDec, Uri) and the output must use Datomic's tagged
 * literals (`#uuid`, `#inst`, `#uri`, `#bytes`, `1.50M`), which edn-data does not know.
 * A number prints as a long when integral; callers keep doubles non-integral.
 */
export function ednText(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`No EDN form for ${value}`);
      return String(value);
    case 'bigint':
      return `${value}N`;
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      break;
  }
  if (value instanceof Keyword) return value.toString();
  if (value instanceof Uuid) return `#uuid ${JSON.stringify(value.text)}`;
  if (value instanceof BigDec) return `${value.toString()}M`;
  if (value instanceof Uri) return `#uri ${JSON.stringify(value.text)}`;
  if (value instanceof Date) return `#inst ${JSON.stringify(value.toISOString())}`;
  if (value instanceof Uint8Array) return `#bytes ${JSON.stringify(Buffer.from(value).toString('base64'))}`;
  if (Array.isArray(value)) return `[${value.map(ednText).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `:${k} ${ednText(v)}`);
    return `{${entries.join(', ')}}`;
  }
  throw new TypeError(`No EDN form for a ${typeof value}`);
}
