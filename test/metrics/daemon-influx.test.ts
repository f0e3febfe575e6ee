// The daemon's metrics in a real InfluxDB (Debian's influxd, started here on loopback): per-device
// traffic and alerts per rule are written and read back; with the server stopped mid-run, the
// reports made meanwhile wait in the buffer and arrive after it returns.
import { join } from 'node:path';
import { InfluxDB } from 'influx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { deviceMac, writeDeviceCapture } from '../helpers/device-capture.js';
import { Influxd, influxdUnavailable } from '../helpers/influxd.js';

const skipReason = influxdUnavailable();
const DB = 'edgeward_daemon_test';

/** Polls `check` until it returns true (or fails after `ms`). */
async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  // The database appears with the daemon's first write: a query before it fails, which is "not yet".
  const met = async (): Promise<boolean> => {
    try {
      return await check();
    } catch {
      return false;
    }
  };
  while (!(await met())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(skipReason !== null)(`daemon metrics in InfluxDB${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let server: Influxd;
  let reader: InfluxDB;
  let t: TestDaemon;

  beforeAll(async () => {
    server = await Influxd.launch();
    reader = new InfluxDB({ host: '127.0.0.1', port: server.port, database: DB });
    t = await startTestDaemon({
      metrics: { influxUrl: server.url, influxDatabase: DB, reportIntervalSeconds: 0.2, flushIntervalMs: 50, retryMaxMs: 200, maxBufferedPoints: 100000 },
      detect: { deviceNew: { holdSeconds: 0 }, baseline: { enabled: false } },
    });
  });
  afterAll(async () => {
    await t?.close();
    await server?.destroy();
  });

  const txPackets = async (mac: string) => {
    const rows = await reader.query<{ last: number }>(`SELECT last(tx_packets) FROM device_traffic WHERE mac = '${mac}'`);
    return rows[0]?.last ?? -1;
  };

  it('writes per-device traffic and alerts per rule that a query reads back', async () => {
    const file = join(t.dir, 'a.pcap');
    writeDeviceCapture(file, 1, 4, 5);
    await t.daemon.ingestCapture(file);
    await until(async () => (await txPackets(deviceMac(3))) === 5);
    expect(await txPackets(deviceMac(1))).toBe(5);
    const rx = await reader.query<{ last: number }>(`SELECT last(rx_packets) FROM device_traffic WHERE mac = '${deviceMac(1)}'`);
    expect(rx[0]?.last).toBe(0);
    await until(async () => ((await reader.query<{ last: number }>("SELECT last(count) FROM alerts WHERE rule = 'device.new'"))[0]?.last ?? 0) === 3);
  });

  it('keeps the reports made while InfluxDB is down and writes them when it returns', async () => {
    await server.stop();
    const downAt = Date.now();
    const file = join(t.dir, 'b.pcap');
    writeDeviceCapture(file, 10, 12, 7);
    await t.daemon.ingestCapture(file);
    // Several reports go into the buffer meanwhile. Each one, device 10 in it, adds its points to the
    // buffer (none can leave it): wait until it grew three times, not for a time three should fit in.
    let grew = 0;
    let buffered = t.daemon.influxStats()!.buffered;
    await until(() => {
      const now = t.daemon.influxStats()!.buffered;
      if (now > buffered) grew++;
      buffered = now;
      return grew >= 3;
    });
    const during = t.daemon.influxStats()!;
    expect(during.buffered).toBeGreaterThan(0);
    const upAt = Date.now();
    await server.start();
    await until(async () => t.daemon.influxStats()!.buffered === 0 && (await txPackets(deviceMac(11))) === 7);
    expect(t.daemon.influxStats()!.dropped).toBe(0);
    // Points stamped while the server was down are in the database.
    const rows = await reader.query<{ count: number }>(
      `SELECT count(tx_packets) FROM device_traffic WHERE mac = '${deviceMac(10)}' AND time >= ${downAt}ms AND time <= ${upAt}ms`,
    );
    expect(rows[0]?.count ?? 0).toBeGreaterThanOrEqual(3);
    const alerts = await reader.query<{ last: number }>("SELECT last(count) FROM alerts WHERE rule = 'device.new'");
    expect(alerts[0]?.last).toBe(5);
  });
});
