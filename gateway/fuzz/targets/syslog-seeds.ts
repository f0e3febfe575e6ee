// Seed lines of the syslog targets: the examples of RFC 5424 §6.5 and RFC 3164 §5.4, and the shapes
// IoT devices send (busybox syslogd, a camera's RFC 5424 with structured data, a bare message).

export const SYSLOG_LINES: readonly string[] = [
  '<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - BOM\'su root\' failed for lonvick on /dev/pts/8',
  '<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It\'s time to make the do-nuts.',
  '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] An application event log entry...',
  '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]',
  '<11>1 2026-03-01T11:59:58.500Z cam01 streamer 88 - - encoder stalled',
  '<14>1 - cam01 streamer - - - all good',
  '<13>1 2026-01-31T12:00:00+09:00 plug-7 relay 1 RELAY [meta sequenceId="5" x="a\\"b\\]c"] \ufeffrelay stuck',
  '<34>Oct 11 22:14:15 mymachine su: \'su root\' failed for lonvick on /dev/pts/8',
  '<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!',
  '<165>Aug 24 05:34:00 CST 1987 mymachine myproc[10]: %% It\'s time to make the do-nuts.',
  '<10>Mar  1 11:00:00 cam01 ntpd: clock lost',
  '<30>Dec 31 23:59:59 router dnsmasq-dhcp[812]: DHCPACK(br-lan) 192.168.1.20 02:00:00:00:00:0a camera',
  '<86>Jan  1 00:00:00 sshd[1234]: Failed password for root from 203.0.113.5 port 4242 ssh2',
  'kernel: [12345.678901] usb 1-1: device descriptor read/64, error -71',
  '<0>panic: watchdog timeout',
  '<191>1 - - - - - -',
];
