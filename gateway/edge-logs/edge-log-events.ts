// The closed lists of named outcomes of the edge log path (parse failures, TCP framing anomalies,
// JSON refusals). Names are stable, tests and operators match on them: append, never rename.

/** Why a syslog line was kept raw (or, for `syslog.empty`, not kept): name, then why it exists. */
export const SYSLOG_PARSE_FAILURE_LIST = [
  ['syslog.empty', 'nothing but spaces and line terminators (not stored, counted)'],
  ['syslog.bad_pri', 'starts with "<" but has no PRI of 1-3 digits, 0..191, closed by ">"'],
  ['rfc5424.bad_version', 'VERSION after PRI is not 1 followed by a space'],
  ['rfc5424.header_truncated', 'the line ends inside the RFC 5424 header (fewer than six fields after PRI and VERSION)'],
  ['rfc5424.bad_timestamp', 'TIMESTAMP is neither "-" nor an RFC 5424 §6.2.3 date-time (range, leap second, over 6 fraction digits, no offset)'],
  ['rfc5424.bad_hostname', 'HOSTNAME is empty, over 255 characters or has a character outside PRINTUSASCII'],
  ['rfc5424.bad_app_name', 'APP-NAME is over 48 characters or not PRINTUSASCII'],
  ['rfc5424.bad_procid', 'PROCID is over 128 characters or not PRINTUSASCII'],
  ['rfc5424.bad_msgid', 'MSGID is over 32 characters or not PRINTUSASCII'],
  ['rfc5424.bad_structured_data', 'STRUCTURED-DATA is neither "-" nor well-formed SD-ELEMENTs (RFC 5424 §6.3)'],
  ['rfc5424.no_space_before_msg', 'something other than a space follows STRUCTURED-DATA'],
] as const;

/** A named reason a syslog line could not be parsed. */
export type SyslogParseFailure = (typeof SYSLOG_PARSE_FAILURE_LIST)[number][0];

/** Anomalies of RFC 6587 TCP framing, counted per name by the deframer. */
export const FRAMING_EVENT_LIST = [
  ['framing.bad_length', 'a frame starting with a digit whose MSG-LEN is not 1-9 digits without a leading zero, then a space; the line up to the next LF is taken as LF-framed'],
  ['framing.too_long', 'a frame longer than the maximum: its first bytes are delivered, flagged truncated, the rest skipped'],
  ['framing.incomplete', 'the connection ended inside an octet-counted frame: what arrived is delivered, flagged truncated'],
] as const;

/** A named framing anomaly. */
export type FramingEvent = (typeof FRAMING_EVENT_LIST)[number][0];

/** Why a `POST /api/v1/logs` body was refused, reported per JSON Pointer path. */
export const JSON_LOG_ERROR_LIST = [
  ['json.not_object', 'the body is neither an object nor an array of objects, or an item is not an object'],
  ['json.empty_batch', 'the body is an empty array'],
  ['json.too_many', 'the array holds more records than edgeLogs.maxJsonRecords'],
  ['json.unknown_key', 'a key outside ts, host, app, severity, message, structuredData, procId, msgId'],
  ['json.missing', 'a required key (message) is absent'],
  ['json.wrong_type', 'a value of the wrong type (strings for text fields, a name or 0..7 for severity)'],
  ['json.too_long', 'host, app, procId or msgId longer than RFC 5424 allows (255, 48, 128, 32)'],
  ['json.bad_timestamp', 'ts is not an RFC 3339 date-time with a time offset'],
  ['json.bad_severity', 'severity is neither a syslog severity name nor an integer 0..7'],
  ['json.bad_structured_data', 'structuredData is not an object of SD-IDs, each an object of string parameters with RFC 5424 names'],
] as const;

/** A named reason a JSON log record was refused. */
export type JsonLogErrorCode = (typeof JSON_LOG_ERROR_LIST)[number][0];
