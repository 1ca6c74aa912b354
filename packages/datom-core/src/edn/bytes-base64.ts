import { Buffer } from 'node:buffer';

function isBase64Char(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
}

/**
 * Decodes standard padded base64 (RFC 4648 §4), the text of our `#bytes` tag. Unlike
 * `Buffer.from(text, 'base64')`, which skips what it does not understand, it returns a reason for
 * any character outside the alphabet, a length that is not a multiple of 4, or misplaced padding.
 *
 * @example
 * ```ts
 * decodeBase64('AAE=') // Uint8Array [0, 1]
 * decodeBase64('AA')   // 'its length 2 is not a multiple of 4'
 * ```
 */
export function decodeBase64(text: string): Uint8Array | string {
  const n = text.length;
  if (n % 4 !== 0) return `its length ${n} is not a multiple of 4`;
  let pad = 0;
  if (n > 0 && text.charCodeAt(n - 1) === 61) pad = text.charCodeAt(n - 2) === 61 ? 2 : 1;
  for (let i = 0; i < n - pad; i++) {
    if (!isBase64Char(text.charCodeAt(i))) return `it has ${JSON.stringify(text[i])} at index ${i}, outside the base64 alphabet`;
  }
  // A plain Uint8Array (a copy), not a Buffer that shares Node's pool.
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/**
 * Encodes bytes as standard padded base64, the text of our `#bytes` tag.
 *
 * @example
 * ```ts
 * encodeBase64(new Uint8Array([0, 1])) // 'AAE='
 * ```
 */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
