// The end-to-end suites' wait, now shared by every suite: see test/helpers/wait-until.ts.
export { until } from '../helpers/wait-until.js';
