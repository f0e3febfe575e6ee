// Entry point of the MUD parser: text in, a typed profile (with warnings) or a refusal out.

import { IssueSink, type MudIssue } from './issues.js';
import { readJsonSource, type JsonSourceOptions } from './json-source.js';
import { validateMudDocument } from './validate-mud.js';
import type { MudProfile } from './profile.js';

/** Options of {@link parseMud}. */
export type ParseMudOptions = JsonSourceOptions;

/** Outcome of {@link parseMud}: a profile with its warnings, or the refusals (and warnings so far). */
export type MudParseResult =
  | { readonly ok: true; readonly profile: MudProfile; readonly warnings: readonly MudIssue[] }
  | { readonly ok: false; readonly errors: readonly MudIssue[]; readonly warnings: readonly MudIssue[] };

/**
 * Parses and validates a MUD file (RFC 8520 JSON, RFC 7951 encoding). Never throws: malformed
 * JSON gives a `json.syntax` refusal with line and column; every other issue names its JSON
 * Pointer. All issues are reported at once.
 */
export function parseMud(text: string, opts: ParseMudOptions = {}): MudParseResult {
  const sink = new IssueSink();
  const src = readJsonSource(text, opts);
  if (!src.ok) {
    const code = src.kind === 'too-large' ? 'json.too-large' : src.kind === 'too-deep' ? 'json.too-deep' : 'json.syntax';
    sink.add(code, '', `${src.message} (line ${src.line}, column ${src.column})`, { line: src.line, column: src.column });
    return { ok: false, errors: sink.errors, warnings: sink.warnings };
  }
  for (const d of src.duplicates) {
    sink.add('json.duplicate-member', d.pointer, `member given twice (line ${d.line}, column ${d.column})`, { line: d.line, column: d.column });
  }
  const profile = validateMudDocument(sink, src.value);
  if (profile && !sink.refused) return { ok: true, profile, warnings: sink.warnings };
  return { ok: false, errors: sink.errors, warnings: sink.warnings };
}
