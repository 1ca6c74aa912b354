import { DatomError } from '@datomkit/datom-core';
import { describe, expect, it } from 'vitest';
import { isDatomError } from '../src/index.js';

describe('package wiring', () => {
  it('resolves the sibling package from source', () => {
    expect(isDatomError(new DatomError('db/arg', 'x'))).toBe(true);
    expect(isDatomError(new Error('x'))).toBe(false);
  });
});
