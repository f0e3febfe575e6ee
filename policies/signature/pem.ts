// PEM/DER input handling for MUD signatures and trust anchors (RFC 7468 textual encodings).
// Accepts what operators paste in: one or more PEM blocks, or raw DER bytes.

/** PEM labels a detached MUD signature may carry (RFC 7468 §8 and the OpenSSL "CMS" variant). */
const CMS_LABELS = new Set(['PKCS7', 'CMS', 'PKCS #7 SIGNED DATA']);
const CERT_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE']);

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 #]+)-----([\s\S]*?)-----END \1-----/g;

/** One decoded PEM block: its label and DER bytes. */
export interface PemBlock {
  label: string;
  der: Uint8Array<ArrayBuffer>;
}

/** True when the bytes start (after whitespace) like PEM text rather than DER. */
export function looksLikePem(input: string | Uint8Array): boolean {
  const head = typeof input === 'string' ? input.slice(0, 64) : Buffer.from(input.subarray(0, 64)).toString('latin1');
  return head.trimStart().startsWith('-----BEGIN ');
}

/** Every PEM block in the text, in order; text outside blocks (comments, bundles) is ignored. */
export function decodePemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) {
    // RFC 7468 §2: base64 body; headers (Proc-Type…) are not used for these labels, so drop any.
    const body = (m[2] ?? '').split(/\r?\n/).filter((line) => !line.includes(':')).join('');
    if (!/^[A-Za-z0-9+/=\s]*$/.test(body)) continue;
    blocks.push({ label: m[1] ?? '', der: toArrayBufferView(Buffer.from(body, 'base64')) });
  }
  return blocks;
}

/** The DER of a CMS signature given as DER or PEM; null when PEM text holds no CMS block. */
export function cmsDer(signature: Uint8Array): Uint8Array<ArrayBuffer> | null {
  if (!looksLikePem(signature)) return toArrayBufferView(signature);
  const block = decodePemBlocks(Buffer.from(signature).toString('latin1')).find((b) => CMS_LABELS.has(b.label));
  return block ? block.der : null;
}

/** The DER of every certificate in one trust-anchor input (a PEM bundle, or one DER certificate). */
export function certificateDers(input: string | Uint8Array): Uint8Array<ArrayBuffer>[] {
  if (typeof input !== 'string' && !looksLikePem(input)) return [toArrayBufferView(input)];
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  return decodePemBlocks(text).filter((b) => CERT_LABELS.has(b.label)).map((b) => b.der);
}

/** A copy of the bytes backed by a plain ArrayBuffer of exactly their length (what pkijs parses). */
export function toArrayBufferView(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy;
}
