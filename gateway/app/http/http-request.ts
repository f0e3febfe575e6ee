// The record the HTTP request parser emits: the request line and the headers a gateway uses.

/** One HTTP/1.x request head. */
export interface HttpRequest {
  method: string;
  uri: string;
  /** "HTTP/1.1" etc. */
  version: string;
  host: string | null;
  userAgent: string | null;
}
