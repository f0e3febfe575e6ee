// Entry of a replay worker thread: replays its share of a capture (the frames the dealer gives
// it; workers/frame-dealer.ts) through its own sensor, with the product's plug-ins, and posts the
// summary and every alert input back to the thread that merges (replay/worker-replay.ts).
// Every worker reads the whole file and deals every frame itself: the deal depends only on the
// frames before, so all workers agree without a dealing thread copying frames between them.
import { parentPort, workerData } from 'node:worker_threads';
import { DETECTORS } from '../detect/registry.js';
import { ProfileStore } from '../policy/profile-store.js';
import { FrameDealer } from '../workers/frame-dealer.js';
import { postedInput } from '../workers/worker-messages.js';
import { lanNetworks } from '../track/local-networks.js';
import { replayCapture } from './replay.js';
import type { ReplayShare, ShareResult, SharedInput, SharedLearn } from './worker-share.js';

async function main(share: ReplayShare): Promise<ShareResult> {
  const dealer = new FrameDealer(share.workers, lanNetworks(share.config.devices.localNetworks));
  let frame = 0;
  const inputs: SharedInput[] = [];
  const learned: SharedLearn[] = [];
  let policy;
  if (share.policy !== null) {
    const store = new ProfileStore();
    if (share.policy.profilesDir) store.loadDir(share.policy.profilesDir);
    for (const [mac, f] of share.policy.binds) store.bind(mac, f);
    policy = { config: share.policy.config, store };
  }
  const detectors = share.detectors === undefined ? undefined : DETECTORS.filter((d) => share.detectors!.includes(d.name));
  const { summary } = await replayCapture(share.file, {
    config: share.config,
    topFlows: share.topFlows,
    frameFilter: (buf, off, capLen, linkType) => {
      frame++;
      return dealer.share(share.index, buf, off, capLen, linkType);
    },
    // Evidence objects may be reused by a detector after raise(): each input is copied as given.
    tapAlerts: (input, storm) => inputs.push({ ...postedInput(input, storm), frame }),
    setup: (p) => p.devices.addListener({
      onDeviceChange: (d, field) => {
        if (field === 'ips') learned.push({ frame, mac: d.mac, field, value: d.ips[d.ips.length - 1]! });
        else if (field === 'hostname' && d.hostname !== null) learned.push({ frame, mac: d.mac, field, value: d.hostname });
        else if (field === 'lldpSystemName' && d.lldpSystemName !== null) learned.push({ frame, mac: d.mac, field, value: d.lldpSystemName });
      },
    }),
    detect: share.bare ? false : { config: share.detect, detectors, alerts: share.alerts, policy, learn: share.learn ?? undefined },
  });
  return { index: share.index, summary, inputs, learned, dealt: Array.from(dealer.dealt), dealtDevices: dealer.devices };
}

main(workerData as ReplayShare).then(
  (r) => parentPort!.postMessage({ ok: true, result: r }),
  (e: unknown) => parentPort!.postMessage({ ok: false, error: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) }),
);
