// The compiled form of one ACE: every condition precomputed to numbers and address matchers, so a
// verdict compares integers and never touches a string. -1 means "any" throughout.

import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, FAM_NON_IP, FAM_V4, FAM_V6 } from '../mud/ace-families.js';
import { mac48And } from '../net/mac-address.js';
import type { AddressMatcher } from './address-set.js';
import type { AddressRef, RuleSpec } from './rule-spec.js';
import type { FlowQuery, Verdict } from './verdict.js';

/** Resolves a symbolic address condition to a matcher. */
export type AddressResolver = (ref: AddressRef) => AddressMatcher;

/** One compiled ACE. */
export interface CompiledAce {
  readonly spec: RuleSpec;
  readonly enabled: boolean;
  readonly famMask: number;
  readonly ethertype: number;
  readonly proto4: number;
  readonly proto6: number;
  readonly devLo: number; readonly devHi: number; readonly devNeq: boolean;
  readonly peerLo: number; readonly peerHi: number; readonly peerNeq: boolean;
  /** 0 any, 1 initiated by the device, 2 initiated by the peer. */
  readonly initiated: 0 | 1 | 2;
  readonly icmpType: number;
  readonly icmpCode: number;
  readonly peerMac: number; readonly peerMacMask: number;
  readonly devMac: number; readonly devMacMask: number;
  readonly peerAddr: readonly AddressMatcher[];
  readonly devAddr: readonly AddressMatcher[];
  /** A non-IP frame passes the peer conditions only when they are all `local-networks`. */
  readonly peerNonIpOk: boolean;
  /** Returned when the ACE matches: allowed, or the drop/reject verdict. */
  readonly onMatch: Verdict;
  /** Returned for the implicit deny when this ACE came nearest. */
  readonly nearestDeny: Verdict;
}

/** Compiles one rule spec. `noMatchReason` is the implicit-deny text of its direction. */
export function compileAce(spec: RuleSpec, resolve: AddressResolver, noMatchReason: string): CompiledAce {
  const onMatch: Verdict = spec.action === 'accept'
    ? Object.freeze({ allowed: true as const, acl: spec.acl, ace: spec.ace })
    : Object.freeze({
        allowed: false as const,
        reason: `matched ${spec.action} ACE ${spec.ace} of ACL ${spec.acl}`,
        acl: spec.acl,
        nearestAce: spec.ace,
        action: spec.action,
      });
  return {
    spec,
    enabled: spec.enabled && spec.families !== 0,
    famMask: spec.families,
    ethertype: spec.ethertype ?? -1,
    proto4: spec.proto4 ?? -1,
    proto6: spec.proto6 ?? -1,
    devLo: spec.devicePort?.lo ?? -1, devHi: spec.devicePort?.hi ?? -1, devNeq: spec.devicePort?.neq ?? false,
    peerLo: spec.peerPort?.lo ?? -1, peerHi: spec.peerPort?.hi ?? -1, peerNeq: spec.peerPort?.neq ?? false,
    initiated: spec.initiatedBy === 'device' ? 1 : spec.initiatedBy === 'peer' ? 2 : 0,
    icmpType: spec.icmpType ?? -1,
    icmpCode: spec.icmpCode ?? -1,
    peerMac: spec.peerMac?.mac ?? -1, peerMacMask: spec.peerMac?.mask ?? 0,
    devMac: spec.deviceMac?.mac ?? -1, devMacMask: spec.deviceMac?.mask ?? 0,
    peerAddr: spec.peer.map(resolve),
    devAddr: spec.device.map(resolve),
    peerNonIpOk: spec.peer.every((r) => r.kind === 'local-networks') && spec.device.length === 0,
    onMatch,
    nearestDeny: Object.freeze({ allowed: false as const, reason: noMatchReason, acl: spec.acl, nearestAce: spec.ace }),
  };
}

const famBit = (family: 0 | 4 | 6): number => (family === 4 ? FAM_V4 : family === 6 ? FAM_V6 : FAM_NON_IP);

function portOk(lo: number, hi: number, neq: boolean, port: number): boolean {
  if (lo < 0) return true;
  if (port < 0) return false;
  const inside = port >= lo && port <= hi;
  return neq ? !inside : inside;
}

function macOk(want: number, mask: number, have: number | undefined): boolean {
  if (want < 0) return true;
  if (have === undefined || have < 0) return false;
  return mac48And(have, mask) === mac48And(want, mask);
}

/**
 * Counts the conditions of `a` that `f` fails (0 = match). A wrong family or ethertype weighs
 * 100, so that the nearest ACE is one of the flow's own kind. With `stopAtFirst` it returns at
 * the first failure (the hot path).
 */
export function failures(a: CompiledAce, f: FlowQuery, defaultDeviceMac: number, now: number, stopAtFirst: boolean): number {
  let n = 0;
  const fam = f.family;
  if ((a.famMask & famBit(fam)) === 0) { if (stopAtFirst) return 100; n += 100; }
  if (a.ethertype >= 0) {
    const et = f.ethertype ?? (fam === 4 ? ETHERTYPE_IPV4 : fam === 6 ? ETHERTYPE_IPV6 : -1);
    if (et !== a.ethertype) { if (stopAtFirst) return 100; n += 100; }
  }
  if (fam !== 0) {
    const proto = fam === 4 ? a.proto4 : a.proto6;
    if (proto >= 0 && f.proto !== proto) { if (stopAtFirst) return 1; n++; }
    if (!portOk(a.devLo, a.devHi, a.devNeq, f.devicePort)) { if (stopAtFirst) return 1; n++; }
    if (!portOk(a.peerLo, a.peerHi, a.peerNeq, f.peerPort)) { if (stopAtFirst) return 1; n++; }
    if (a.initiated === 1 ? f.initiatedByDevice !== true : a.initiated === 2 && f.initiatedByDevice !== false) {
      if (stopAtFirst) return 1; n++;
    }
    if (a.icmpType >= 0 && f.icmpType !== a.icmpType) { if (stopAtFirst) return 1; n++; }
    if (a.icmpCode >= 0 && f.icmpCode !== a.icmpCode) { if (stopAtFirst) return 1; n++; }
  }
  if (!macOk(a.peerMac, a.peerMacMask, f.peerMac)) { if (stopAtFirst) return 1; n++; }
  if (!macOk(a.devMac, a.devMacMask, f.deviceMac ?? defaultDeviceMac)) { if (stopAtFirst) return 1; n++; }
  if (fam === 0) {
    if (!a.peerNonIpOk) { if (stopAtFirst) return 1; n++; }
    return n;
  }
  const peers = a.peerAddr;
  for (let i = 0; i < peers.length; i++) {
    if (!peers[i]!.has(fam, f.peer0, f.peer1, f.peer2, f.peer3, now)) { if (stopAtFirst) return 1; n++; }
  }
  const devs = a.devAddr;
  if (devs.length > 0) {
    if (f.device0 === undefined) { if (stopAtFirst) return 1; n += devs.length; }
    else {
      for (let i = 0; i < devs.length; i++) {
        if (!devs[i]!.has(fam, f.device0, f.device1 ?? 0, f.device2 ?? 0, f.device3 ?? 0, now)) { if (stopAtFirst) return 1; n++; }
      }
    }
  }
  return n;
}
