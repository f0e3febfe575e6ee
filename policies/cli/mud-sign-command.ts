// `edgeward mud sign FILE --cert C --key K`: the vendor's side of RFC 8520 §13 — a detached DER CMS
// signature of the MUD file's exact bytes, written beside it (camera.json → camera.p7s).
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parseMud } from '../mud/parse-mud.js';
import { MudSignError, signMud } from '../signature/sign-mud.js';
import { argsErrorMessage, isArgsError } from './cli-args.js';
import { MUD_SIGN_USAGE } from './mud-usage.js';

/** Where the command writes; `stdoutBytes` takes the DER when --out is "-". */
export interface MudSignIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  stdoutBytes?: (b: Buffer) => void;
}

/** The default output: the file with .json replaced by .p7s (or .p7s appended), RFC 8520 §13.2. */
function signatureFileFor(file: string): string {
  return file.toLowerCase().endsWith('.json') ? `${file.slice(0, -'.json'.length)}.p7s` : `${file}.p7s`;
}

async function read(file: string, what: string): Promise<Buffer | string> {
  try {
    return await readFile(file);
  } catch (e) {
    return `cannot read the ${what} ${file}: ${(e as Error).message}`;
  }
}

/**
 * Runs `edgeward mud sign` (argv after `sign`). Exit 0 signed; 1 when a file cannot be read, the
 * MUD file is refused, or the key and certificate cannot sign it; 2 for bad usage.
 */
export async function runMudSign(argv: string[], io: MudSignIo): Promise<number> {
  const fail = (code: number, message: string, usage = false) => {
    io.stderr(`edgeward mud sign: ${message}\n${usage ? MUD_SIGN_USAGE : ''}`);
    return code;
  };
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: { cert: { type: 'string' }, key: { type: 'string' }, chain: { type: 'string' }, out: { type: 'string' } },
    }));
  } catch (e) {
    if (!isArgsError(e)) throw e;
    return fail(2, argsErrorMessage(e), true);
  }
  if (positionals.length !== 1) return fail(2, positionals.length === 0 ? 'no FILE given' : 'give one MUD file', true);
  if (values.cert === undefined || values.key === undefined) return fail(2, 'give the signing certificate (--cert) and its key (--key)', true);
  const file = positionals[0]!;

  const inputs = await Promise.all([read(file, 'MUD file'), read(values.cert, 'certificate'), read(values.key, 'key'),
    values.chain === undefined ? Promise.resolve(undefined) : read(values.chain, 'chain')]);
  const problem = inputs.find((x): x is string => typeof x === 'string');
  if (problem !== undefined) return fail(1, problem);
  const [content, cert, key, chain] = inputs as [Buffer, Buffer, Buffer, Buffer | undefined];

  // A gateway refuses a file that does not validate whatever its signature: say so before signing.
  const parsed = parseMud(content.toString('utf8'));
  if (!parsed.ok) {
    return fail(1, `${file} is not a valid MUD file, so no gateway would take it:\n  ${parsed.errors.map((e) => `${e.path || '(document)'}: ${e.message}`).join('\n  ')}`);
  }
  let signed;
  try {
    signed = await signMud(content, { certificate: cert, privateKey: key, ...(chain !== undefined && { chain }) });
  } catch (e) {
    if (e instanceof MudSignError) return fail(1, `${e.code}: ${e.message}`);
    throw e;
  }
  const out = values.out ?? signatureFileFor(file);
  if (out === '-') {
    if (io.stdoutBytes === undefined) return fail(2, '--out - needs a byte stream on stdout');
    io.stdoutBytes(signed.der);
  } else {
    try {
      await writeFile(out, signed.der);
    } catch (e) {
      return fail(1, `cannot write ${out}: ${(e as Error).message}`);
    }
  }
  const url = parsed.profile.mudUrl;
  io.stderr(`edgeward mud sign: ${file} (${url}) signed by ${signed.signer.subject}, issued by ${signed.signer.issuer}, ` +
    `valid until ${signed.signer.notAfter}${signed.chainCertificates > 0 ? `, ${signed.chainCertificates} chain certificate(s) included` : ''}` +
    `${out === '-' ? '' : ` → ${out}`}\n`);
  if (signed.validity !== 'valid') {
    io.stderr(`edgeward mud sign: warning: the certificate is ${signed.validity} now; gateways will refuse the signature (signature.${signed.validity})\n`);
  }
  return 0;
}
