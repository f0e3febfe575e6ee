// The packaging files against the package: the Dockerfile's runtime stage runs the Node major that
// package.json's engines names and installs libpcap and nftables, as an unprivileged user with only
// NET_RAW and NET_ADMIN and a healthcheck; the systemd unit holds the same capabilities; the sample
// config is valid.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../gateway/plugins/gateway-config.js';
import { ROOT } from '../../helpers/fixtures.js';

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };

/** The Dockerfile's stages: FROM line and the instructions after it (continuations joined). */
function stages(text: string): { from: string; name: string | null; body: string }[] {
  const lines = text.replace(/\\\n/g, ' ').split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  const out: { from: string; name: string | null; body: string }[] = [];
  for (const l of lines) {
    const m = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(l.trim());
    if (m) out.push({ from: m[1]!, name: m[2] ?? null, body: '' });
    else if (out.length > 0) out.at(-1)!.body += `${l}\n`;
  }
  return out;
}

describe('Dockerfile', () => {
  const s = stages(dockerfile);
  const runtime = s.at(-1)!;

  it('is multi-stage and its runtime runs the Node major of package.json engines', () => {
    expect(s.length).toBeGreaterThanOrEqual(2);
    const engines = /(\d+)/.exec(pkg.engines.node)![1];
    for (const st of s) expect(st.from, st.from).toMatch(new RegExp(`^node:${engines}(?:[-.]|$)`));
  });

  it('installs libpcap and nftables in the runtime stage', () => {
    const install = /apt-get install[^\n]*/.exec(runtime.body)?.[0] ?? '';
    expect(install).toMatch(/\blibpcap0\.8\b/);
    expect(install).toMatch(/\bnftables\b/);
  });

  it('runs as a non-root user with only NET_RAW and NET_ADMIN, a health check and a data volume', () => {
    const user = /^USER\s+(\S+)/m.exec(runtime.body)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    const caps = [...runtime.body.matchAll(/setcap\s+(\S+)/g)].flatMap((m) => m[1]!.replace(/[+][a-z]+$/, '').split(','));
    expect(new Set(caps)).toEqual(new Set(['cap_net_raw', 'cap_net_admin']));
    expect(runtime.body).toMatch(/HEALTHCHECK[^\n]*\/api\/v1\/health/);
    expect(runtime.body).toMatch(/VOLUME[^\n]*\/var\/lib\/edgeward/);
  });
});

describe('systemd unit and sample config', () => {
  it('gives the service the same two capabilities, a restart policy and no root', () => {
    const unit = readFileSync(join(ROOT, 'gateway', 'deploy', 'edgeward.service'), 'utf8');
    const value = (k: string) => new RegExp(`^${k}=(.*)$`, 'm').exec(unit)?.[1]?.trim();
    expect(value('User')).toBe('edgeward');
    expect(value('AmbientCapabilities')?.split(/\s+/).sort()).toEqual(['CAP_NET_ADMIN', 'CAP_NET_RAW']);
    expect(value('CapabilityBoundingSet')?.split(/\s+/).sort()).toEqual(['CAP_NET_ADMIN', 'CAP_NET_RAW']);
    expect(value('Restart')).toBe('on-failure');
    expect(value('ExecStart')).toContain('/etc/edgeward/edgeward.yaml');
  });

  it('ships a sample config that the daemon accepts', () => {
    const cfg = loadConfig(join(ROOT, 'gateway', 'deploy', 'edgeward.example.yaml'), {});
    expect(cfg.capture.interface).toBe('br-lan');
    expect(cfg.storage.dataDir).toBe('/var/lib/edgeward');
    expect(cfg.policy.gatewayAddresses).toEqual(['192.168.1.1']);
  });
});

describe('node flags', () => {
  // The soak measures memory under the bin's V8 flags (young generation, heap ceiling); every way of
  // starting the daemon must run with the same ones, or the measured figures do not hold there.
  const flagsOf = (line: string) => [...line.matchAll(/--max-[a-z-]+-size=\d+/g)].map((m) => m[0]).sort();
  const bin = readFileSync(join(ROOT, 'gateway', 'cli', 'main.ts'), 'utf8').split('\n')[0]!;
  const expected = flagsOf(bin);

  it('are set in the bin: a 32 MiB young generation and a 384 MiB old-generation ceiling', () => {
    expect(bin.startsWith('#!/usr/bin/env -S node ')).toBe(true);
    expect(expected).toEqual(['--max-old-space-size=384', '--max-semi-space-size=32']);
  });

  it('are the same in npm start, bench and soak, the Dockerfile entrypoint and the systemd unit', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    for (const s of ['start', 'bench', 'soak']) expect(flagsOf(scripts[s]!), s).toEqual(expected);
    const entry = /^ENTRYPOINT (.*)$/m.exec(dockerfile)?.[1] ?? '';
    expect(flagsOf(entry)).toEqual(expected);
    const unit = readFileSync(join(ROOT, 'gateway', 'deploy', 'edgeward.service'), 'utf8');
    expect(flagsOf(/^ExecStart=(.*)$/m.exec(unit)?.[1] ?? '')).toEqual(expected);
  });
});
