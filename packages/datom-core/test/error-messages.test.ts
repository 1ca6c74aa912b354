import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { BigDec, EdnDouble, connect, createDatabase, isDatomError, kw, parseEdn } from '../src/index.js';

let n = 0;
async function longAttr() {
  const uri = `mem://error-messages-${n++}`;
  await createDatabase(uri);
  const conn = await connect(uri);
  await conn.transact('[{:db/ident :a/n :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]');
  return conn;
}

async function typeError(value: unknown): Promise<{ message: string; data: Record<string, unknown> }> {
  const conn = await longAttr();
  try {
    await conn.transact([{ 'a/n': value as never }]);
  } catch (err) {
    if (isDatomError(err, 'transact/type')) return { message: err.message, data: err.data as Record<string, unknown> };
    throw err;
  }
  throw new Error('the transaction was accepted');
}

describe('transact/type names the value as EDN', () => {
  it.each([
    ['a map', parseEdn('{:x 1}'), '{:x 1}'],
    ['a big integer', parseEdn('99999999999999999999999N'), '99999999999999999999999N'],
    ['a big decimal', BigDec.parse('1.5'), '1.5M'],
    ['an integral double', new EdnDouble(2), '2.0'],
    ['a keyword', kw('a/b'), ':a/b'],
    ['a list', parseEdn('(1 2)'), '(1 2)'],
    ['a set', parseEdn('#{1}'), '#{1}'],
    ['a JS object', { x: [1, 'y'] }, '{:x [1 "y"]}'],
  ])('%s', async (_what, value, text) => {
    const { message, data } = await typeError(value);
    expect(message).toBe(`Value ${text} is not a valid long for attribute :a/n`);
    expect(data.value).toBe(text);
  });

  test.prop([fc.anything({ withMap: true, withSet: true, withBigInt: true, withDate: true, withTypedArray: true })], { numRuns: 100 })(
    'never prints [object ...]',
    async (value) => {
      if (typeof value === 'number' || typeof value === 'bigint') return; // some are valid longs
      const conn = await longAttr();
      const err = await conn.transact([{ 'a/n': value as never }]).then(
        () => null,
        (e: unknown) => e,
      );
      if (err instanceof Error) expect(err.message).not.toMatch(/\[object /);
    },
  );
});
