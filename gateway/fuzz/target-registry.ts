// Every fuzz target, in the order a run visits them, and the test doubles selectable by name only.
import type { FuzzTarget } from './fuzz-target.js';
import { appModulesTarget } from './targets/app-modules-target.js';
import { appParsersTarget } from './targets/app-parsers-target.js';
import { captureReaderTarget } from './targets/capture-reader-target.js';
import { decodeFrameTarget } from './targets/decode-frame-target.js';
import { FAULT_TARGETS } from './targets/fault-targets.js';
import { jsonLogTarget } from './targets/json-log-target.js';
import { mudTarget } from './targets/mud-target.js';
import { pipelineTarget } from './targets/pipeline-target.js';
import { reassemblerTarget } from './targets/reassembler-target.js';
import { restTarget } from './targets/rest-target.js';
import { streamMessageTarget } from './targets/stream-message-target.js';
import { syslogDeframerTarget } from './targets/syslog-deframer-target.js';
import { syslogTarget } from './targets/syslog-target.js';

/** The targets of a default run. */
export const FUZZ_TARGETS: readonly FuzzTarget[] = [
  decodeFrameTarget, appParsersTarget, pipelineTarget, captureReaderTarget, mudTarget, syslogTarget, syslogDeframerTarget,
  jsonLogTarget, restTarget, streamMessageTarget, reassemblerTarget, appModulesTarget,
];

/** A target by name, test doubles included; undefined when unknown. */
export function targetByName(name: string): FuzzTarget | undefined {
  return FUZZ_TARGETS.find((t) => t.name === name) ?? FAULT_TARGETS.find((t) => t.name === name);
}

/** Every name `--targets` accepts. */
export function targetNames(): string[] {
  return [...FUZZ_TARGETS, ...FAULT_TARGETS].map((t) => t.name);
}
