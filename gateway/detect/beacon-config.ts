// Settings of the beacon detector (`detect.beacon`, gateway/detect/detectors/beacon.ts): every
// key with its unit, default and why, the frozen defaults, and the check that names every bad key.

/** What a quiet or declared finding gives: no alert, or an alert of that severity. */
export type QuietSeverity = 'none' | 'low' | 'medium';

/** Settings of `detect.beacon`. */
export interface BeaconConfig {
  /**
   * Distinct check-ins (events at least 1 s apart) a pair needs when its HTTP requests show a
   * tool agent or POST check-ins (first checkpoint for every pair). Default 8: seven intervals
   * give a usable median and MAD (RITA needs three), and CALDERA Ragdoll, which opens a
   * connection per check-in every 34–57 s, has ten in its capture.
   */
  minEvents: number;
  /**
   * Distinct check-ins a pair needs when no HTTP request of it shows a tool agent or POST
   * check-ins (its only evidence is timing). Default 12: with maxDispersionPlain, random gaps
   * pass about once in 200 one-hour runs (simulated); Merlin's capture has 13 bursts.
   */
  minEventsPlain: number;
  /** First to last check-in scored, at least, seconds. Default 30: a burst of retries is not a beacon. */
  minSpanSeconds: number;
  /** Check-ins kept per pair (a ring: older ones are overwritten); the score covers their span. Default 32. */
  maxEventsPerPair: number;
  /** Pairs tracked; at the cap the least recently updated pair is evicted (`detect.beacon.table_full`). Default 16384. */
  maxPairs: number;
  /** A pair with no check-in for this long is forgotten, seconds. Default 3600. */
  idleSeconds: number;
  /**
   * Weighted score (0–1) at or above which a pair is periodic. Default 0.65: timing is gated on
   * its own (minTimingScore, maxDispersion); this only turns away pairs whose sizes contradict
   * it. An implant's check-ins carry its results, so sizes vary: CALDERA Ragdoll (every 34–57 s,
   * bodies of 184–360 bytes) scores 0.84 on timing, 0.31 on sizes, 0.68 in all.
   */
  threshold: number;
  /**
   * RITA's timing score (0–1) a pair needs as well. Default 0.6. The dispersion gates
   * (maxDispersion, maxDispersionPlain) are what keep random timing out; the Bowley skew in this
   * score is noisy over a few intervals (seven jittered gaps can skew 0.6), so it only vetoes a
   * clearly lopsided pattern.
   */
  minTimingScore: number;
  /**
   * Largest spread of the intervals, as MAD / median, a pair may have. Default 0.3. RITA's timing
   * score alone is generous over short spans (random gaps reach 0.75 in one window of 32 out of
   * three: the skew of a few dozen exponential gaps is often near 0); their MAD / median is 0.69
   * in theory, while beacons with ±50 % jitter stay under 0.2 (CALDERA Sandcat 0.16, Ragdoll 0.27,
   * Merlin 0.001).
   */
  maxDispersion: number;
  /**
   * maxDispersion for a pair judged on timing alone. Default 0.15: random (exponential) gaps,
   * 11 of them, come under 0.3 one time in eight and under 0.15 about one in a hundred (simulated);
   * a beacon with ±25 % jitter has 0.125, Merlin's 15 s poll 0.001.
   */
  maxDispersionPlain: number;
  /** Weight of the timing score. Default 0.7: timing is what a beacon is; sizes vary with tasking. */
  timingWeight: number;
  /** Weight of the data-size score. Default 0.3. */
  sizeWeight: number;
  /** Median interval under which a pair is "fast" (a sign), seconds. Default 10. */
  fastPeriodSeconds: number;
  /** Destination ports that are not a sign (web, MQTT, push services). Default 80, 443, 8080, 8443, 1883, 8883, 5222, 5223, 5228. */
  usualPorts: readonly number[];
  /** User-Agent substrings (case-insensitive) of scripting tools and libraries (a sign). */
  toolAgents: readonly string[];
  /** Severity for a periodic pair with no sign. Default 'none' (no alert), see the file comment. */
  plainSeverity: QuietSeverity;
  /** Severity for a periodic pair to a destination the device's MUD profile allows. Default 'none'. */
  declaredSeverity: QuietSeverity;
  /**
   * A pair that began within this many seconds of the device's first sighting and shows only weak
   * signs (POST check-ins, fast) is its setup talking to its vendor (the Hue bridge POSTs to its
   * portal every 2 s while it is paired: IoT Sentinel HueBridge captures): `setupSeverity`
   * instead of medium. Default 600.
   */
  setupSeconds: number;
  /** Severity for weak signs alone during setup (see setupSeconds). Default 'none'. */
  setupSeverity: QuietSeverity;
  /** A pair raises at most one alert per this many seconds. Default 3600. */
  realertSeconds: number;
  /**
   * Silence within one connection, seconds, after which the device's next packet starts a new
   * check-in ("burst"): an agent polling over one long-lived connection (Merlin over QUIC or
   * HTTP/2, any keep-alive HTTPS C2) checks in once per burst. Default 5 (Merlin's 15 s poll has
   * gaps of 14 s; the packets of one exchange are milliseconds apart). 0 turns bursts off.
   */
  burstGapSeconds: number;
  /**
   * Connections followed for bursts at once: a direct-mapped slot array indexed by flow id, a new
   * flow whose slot a live one holds is not followed (counted in burstSlotsBusy). Default 8192
   * (320 KiB; flows 8,192 ids apart share a slot): a home network's live outbound connections
   * fit, and a table that stays in the cache matters because every TCP and UDP packet reads it.
   */
  burstSlots: number;
  /** Destination ports never scored. Default 53, 67, 68, 123, 137, 138, 1900, 5353, 5355. */
  ignorePorts: readonly number[];
  /** Also score non-HTTP connections to LAN destinations. Default false (hub polling is periodic). */
  includeLanDestinations: boolean;
}

export const BEACON_DEFAULTS: Readonly<BeaconConfig> = Object.freeze({
  minEvents: 8,
  minEventsPlain: 12,
  minSpanSeconds: 30,
  maxEventsPerPair: 32,
  maxPairs: 16384,
  idleSeconds: 3600,
  threshold: 0.65,
  minTimingScore: 0.6,
  maxDispersion: 0.3,
  maxDispersionPlain: 0.15,
  timingWeight: 0.7,
  sizeWeight: 0.3,
  fastPeriodSeconds: 10,
  // HTTP, HTTPS, their alternates, MQTT and MQTT/TLS, XMPP, Apple push, Google FCM (IANA / vendor docs).
  usualPorts: Object.freeze([80, 443, 8080, 8443, 1883, 8883, 5222, 5223, 5228]),
  // Agents of scripting languages and download tools: the defaults of python-requests, urllib,
  // Go net/http, curl, Wget, PowerShell, WinHTTP, Perl LWP, Nim (CALDERA, Merlin, Empire and
  // commodity loaders keep them unless told otherwise).
  toolAgents: Object.freeze(['python-requests', 'python-urllib', 'go-http-client', 'curl/', 'wget/', 'powershell', 'winhttp', 'libwww-perl', 'nim httpclient']),
  plainSeverity: 'none',
  declaredSeverity: 'none',
  setupSeconds: 600,
  setupSeverity: 'none',
  realertSeconds: 3600,
  burstGapSeconds: 5,
  burstSlots: 8192,
  // DNS, DHCP server/client, NTP, NetBIOS name/datagram, SSDP, mDNS, LLMNR (IANA service names).
  ignorePorts: Object.freeze([53, 67, 68, 123, 137, 138, 1900, 5353, 5355]),
  includeLanDestinations: false,
});

const QUIET: readonly string[] = ['none', 'low', 'medium'];

/** Every problem with a beacon config (empty when it is usable). */
export function beaconConfigErrors(c: Readonly<BeaconConfig>): string[] {
  const bad: string[] = [];
  const need = (ok: boolean, what: string) => { if (!ok) bad.push(what); };
  const port = (x: number) => Number.isInteger(x) && x >= 0 && x <= 65535;
  need(Number.isInteger(c.minEvents) && c.minEvents >= 4, 'minEvents must be an integer >= 4');
  need(c.minSpanSeconds >= 0, 'minSpanSeconds must be >= 0');
  need(Number.isInteger(c.maxEventsPerPair) && c.maxEventsPerPair >= c.minEvents, 'maxEventsPerPair must be an integer >= minEvents');
  need(Number.isInteger(c.maxPairs) && c.maxPairs >= 1, 'maxPairs must be an integer >= 1');
  need(c.idleSeconds > 0, 'idleSeconds must be > 0');
  need(c.threshold >= 0 && c.threshold <= 1, 'threshold must be within 0..1');
  need(c.minTimingScore >= 0 && c.minTimingScore <= 1, 'minTimingScore must be within 0..1');
  need(c.maxDispersion >= 0 && c.maxDispersionPlain >= 0, 'maxDispersion and maxDispersionPlain must be >= 0');
  need(Number.isInteger(c.minEventsPlain) && c.minEventsPlain >= c.minEvents && c.minEventsPlain <= c.maxEventsPerPair, 'minEventsPlain must be an integer within minEvents..maxEventsPerPair');
  need(c.timingWeight >= 0 && c.sizeWeight >= 0 && c.timingWeight + c.sizeWeight > 0, 'weights must be >= 0 with a positive sum');
  need(c.fastPeriodSeconds >= 0, 'fastPeriodSeconds must be >= 0');
  need(Array.isArray(c.usualPorts) && c.usualPorts.every(port), 'usualPorts must be port numbers');
  need(Array.isArray(c.toolAgents) && c.toolAgents.every((x) => typeof x === 'string' && x.length > 0), 'toolAgents must be non-empty strings');
  need(QUIET.includes(c.plainSeverity), 'plainSeverity must be none, low or medium');
  need(QUIET.includes(c.declaredSeverity), 'declaredSeverity must be none, low or medium');
  need(QUIET.includes(c.setupSeverity), 'setupSeverity must be none, low or medium');
  need(c.setupSeconds >= 0, 'setupSeconds must be >= 0');
  need(c.realertSeconds > 0, 'realertSeconds must be > 0');
  need(c.burstGapSeconds >= 0, 'burstGapSeconds must be >= 0');
  need(Number.isInteger(Math.log2(c.burstSlots)) && c.burstSlots >= 1, 'burstSlots must be a power of two');
  need(Array.isArray(c.ignorePorts) && c.ignorePorts.every(port), 'ignorePorts must be port numbers');
  need(typeof c.includeLanDestinations === 'boolean', 'includeLanDestinations must be a boolean');
  return bad;
}
