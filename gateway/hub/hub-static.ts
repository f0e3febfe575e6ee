// The hub serves the same dashboard bundle as a gateway (dashboard/dist) at `/`; the dashboard
// tells it talks to a hub from GET /api/v1/health `role: 'hub'` and shows its site pages.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';

const PLACEHOLDER = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>edgeward hub</title></head>
<body><h1>edgeward hub</h1><p>The hub is running. The dashboard is not built in this install
(<code>npm run build</code> builds it); the API is under <code>/api/v1/</code>.</p></body></html>`;

/**
 * Mounts the built dashboard of `dir` (index.html and assets) at `/`, a single-page app: any other
 * path that is not the API gets index.html. Without a build (`dir` null or no index.html), `/`
 * answers a placeholder page. Call after the API routes and their not-found handler.
 */
export function serveHubDashboard(app: express.Express, dir: string | null): void {
  if (dir !== null && existsSync(join(dir, 'index.html'))) {
    app.use(express.static(dir, { index: 'index.html', maxAge: '1h' }));
    app.get('/{*any}', (_req, res) => res.sendFile(join(dir, 'index.html')));
    return;
  }
  app.get('/', (_req, res) => { res.type('html').send(PLACEHOLDER); });
}
