// Settings of the incident correlator (config section `incidents`): how alerts of one episode are
// grouped, what opens an incident, and the caps on memory and on what one incident lists. All are
// read at start. How many incidents SQLite keeps, and for how long, is storage.retention.incidents.
import type { Severity } from '../alerts/rules.js';

/** Config `incidents`. */
export interface IncidentsConfig {
  /** Group alerts into incidents at all. Default true. */
  enabled: boolean;
  /**
   * An alert joins its subject's open incident when it comes within this many seconds of packet
   * time after the incident's last activity; later, it opens a new incident. Default 1800 (30 min):
   * a Mirai infection runs from brute force to C&C within minutes, and a demo loop is four.
   */
  gapSeconds: number;
  /**
   * Alerts below this severity join an open incident but never open one (a device seen for the
   * first time is not an episode by itself). One of low, medium, high, critical. Default 'medium'.
   */
  openAtSeverity: Severity;
  /**
   * Open incidents held in memory to be joined, one per subject; at the cap the least recently
   * active stops taking new alerts (it stays open in the store; counted, `incident.open_table_full`).
   * Default 1000.
   */
  maxOpen: number;
  /** Alerts one incident lists; past it they are counted in its occurrences but not listed. Default 500. */
  maxAlertsPerIncident: number;
  /** Edge-log records one incident's timeline lists; past it they are counted only. Default 200. */
  maxLogsPerIncident: number;
  /**
   * Edge-log records of the subject device at this syslog severity code or worse (0 emergency … 7
   * debug) join its open incident's timeline (they do not extend its activity). Default 4 (warning).
   */
  logSeverityAtMost: number;
}

export const INCIDENTS_DEFAULTS: Readonly<IncidentsConfig> = Object.freeze({
  enabled: true,
  gapSeconds: 1800,
  openAtSeverity: 'medium',
  maxOpen: 1000,
  maxAlertsPerIncident: 500,
  maxLogsPerIncident: 200,
  logSeverityAtMost: 4,
});
