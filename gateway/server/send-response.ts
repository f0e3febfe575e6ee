// A route's answer (ApiResponse) onto express's response: the gateway's app and the hub's send it
// the same way — headers, then text, no body, or JSON.
import type { Response } from 'express';
import type { ApiResponse } from './route.js';

export function sendApiResponse(res: Response, out: ApiResponse): void {
  const status = out.status ?? 200;
  for (const [k, v] of Object.entries(out.headers ?? {})) res.setHeader(k, v);
  if (out.text !== undefined) res.status(status).type(out.contentType ?? 'text/plain').send(out.text);
  else if (out.body === undefined) res.status(status).end();
  else res.status(status).json(out.body);
}
