// Test input from labelled hex: whitespace is ignored and `#` starts a comment that runs to the end
// of the line, so a test can annotate every field of the bytes it feeds a decoder.

/**
 * Bytes from hex text. Works as a tag (hex`0a 0b # comment`) or a plain call (hex('0a0b')).
 * Interpolated values: a Buffer is inserted as its bytes, a string as more hex text.
 * Throws on an odd number of digits or a non-hex character (a broken test, not a decoder input).
 */
export function hex(strings: TemplateStringsArray | string, ...values: Array<Buffer | string>): Buffer {
  let text: string;
  if (typeof strings === 'string') {
    text = strings;
  } else {
    text = strings[0]!;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      text += (typeof v === 'string' ? v : v.toString('hex')) + strings[i + 1]!;
    }
  }
  const digits = text
    .split('\n')
    .map((line) => {
      const hash = line.indexOf('#');
      return hash < 0 ? line : line.slice(0, hash);
    })
    .join('')
    .replace(/\s+/g, '');
  if (!/^[0-9a-fA-F]*$/.test(digits)) throw new Error(`hex: not a hex digit in ${JSON.stringify(digits)}`);
  if (digits.length % 2 !== 0) throw new Error(`hex: odd number of digits (${digits.length})`);
  return Buffer.from(digits, 'hex');
}

/** Hex text of an ASCII string, for interpolating readable names into hex`…` (no length prefix). */
export function ascii(s: string): string {
  return Buffer.from(s, 'latin1').toString('hex');
}
