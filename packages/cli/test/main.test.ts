import { describe, expect, it } from 'vitest';
import { main } from '../src/index.js';

describe('main', () => {
  it('returns a usage error for an unknown command', async () => {
    expect(await main(['no-such-command'])).toBe(2);
  });
});
