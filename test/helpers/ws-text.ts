// The text of a WebSocket message as `ws` hands it over: one Buffer, an ArrayBuffer, or the
// fragments of the message (Buffer[]), depending on the socket's binaryType.
import type WebSocket from 'ws';

export function messageText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString();
  return (Buffer.isBuffer(data) ? data : Buffer.from(data)).toString();
}
