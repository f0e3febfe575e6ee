// One TCP connect from inside a network namespace: prints `ok`, `timeout` or `error CODE` as JSON
// and exits. Arguments: HOST PORT TIMEOUT_MS. Used by the check tests to prove reachability for real.
import { connect } from 'node:net';

const [host, port, timeoutMs] = process.argv.slice(2);
const started = Date.now();
const s = connect({ host, port: Number(port) });
const done = (result, extra = {}) => {
  process.stdout.write(`${JSON.stringify({ result, ms: Date.now() - started, ...extra })}\n`);
  s.destroy();
  process.exit(0);
};
s.setTimeout(Number(timeoutMs), () => done('timeout'));
s.once('connect', () => done('ok'));
s.once('error', (e) => done('error', { code: e.code }));
