// How values read on screen: times in the browser's zone (date only when not today), byte counts
// in binary units, counts with thousands separators.

const pad = (n: number): string => String(n).padStart(2, '0');

/** "14:03:09", or "11-21 14:03:09" when not today; "—" for nothing. */
export function shortTime(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined || iso === '') return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const t = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const now = new Date();
  if (d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate()) return t;
  return `${d.getFullYear() === now.getFullYear() ? '' : `${d.getFullYear()}-`}${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${t}`;
}

/** "12 s ago", "5 min ago", "3 h ago", or the short time past a day. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) return '—';
  if (ms < 0) return 'just now';
  if (ms < 60_000) return `${Math.floor(ms / 1000)} s ago`;
  if (ms < 3600_000) return `${Math.floor(ms / 60_000)} min ago`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3600_000)} h ago`;
  return shortTime(iso);
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v.toFixed(0) : v.toFixed(v < 10 ? 1 : 0)} ${UNITS[u]}`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** "ip:port" (IPv6 in brackets), the address alone when there is no port. */
export function endpoint(ip: string, port: number | null): string {
  if (port === null || port === undefined) return ip || '—';
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
