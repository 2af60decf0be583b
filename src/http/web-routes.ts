import fs from 'node:fs';
import path from 'node:path';
import express, { type Request, type Response, type Router } from 'express';
import { PROJECT_ROOT } from '../paths';

/**
 * Serves the station's web app (web/, built by `npm run build:web` into dist/web) at `/`.
 * Mounted after the API routers: anything they did not answer and that a browser navigates to
 * gets the app's index.html, so the app's own paths (/nguoi-dan/…) survive a reload.
 */

/** dist/web under the project root. */
export function webBuildDir(): string {
  return path.join(PROJECT_ROOT, 'dist', 'web');
}

// The app needs nothing from elsewhere. Unlike helmet's default, no upgrade-insecure-requests:
// a station server on the local network is reached over plain http, and upgrading the app's own
// scripts to https would leave the tablet with a blank page.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

export function webRoutes(dir: string = webBuildDir()): Router {
  const router = express.Router();
  const assets = path.join(dir, 'assets');
  // Hashed file names: a new build has new names, so the browser may keep these for a year.
  router.use('/assets', precompressed(assets), express.static(assets, { immutable: true, maxAge: '365d', index: false }), (_req, res) => {
    res.status(404).type('text').send('Không có tệp này / Not found');
  });
  router.get(/.*/, (req, res, next) => {
    if (!req.accepts('html')) return next();
    sendIndex(req, res, dir);
  });
  return router;
}

function sendIndex(req: Request, res: Response, dir: string): void {
  const index = path.join(dir, 'index.html');
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('Cache-Control', 'no-cache');
  if (!fs.existsSync(index)) {
    res.status(503).type('html').send('<!doctype html><html lang="vi"><meta charset="utf-8"><title>Trạm Y tế</title><p>Ứng dụng web chưa được build: chạy <code>npm run build</code> trên máy chủ. / The web app is not built: run <code>npm run build</code>.</p></html>');
    return;
  }
  sendMaybeGzip(req, res, index);
}

/** Sends the .gz the build wrote beside a file when the browser takes gzip. */
function precompressed(root: string): express.RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const file = resolveInside(root, req.path);
    if (!file || !TYPES[path.extname(file)]) return next();
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    if (!sendMaybeGzip(req, res, file, true)) next();
  };
}

/** The file a URL path names under root, or undefined for a malformed path or one that leaves root. */
function resolveInside(root: string, urlPath: string): string | undefined {
  try {
    const file = path.join(root, path.normalize(decodeURIComponent(urlPath)));
    return file.startsWith(root + path.sep) ? file : undefined;
  } catch {
    return undefined;
  }
}

function sendMaybeGzip(req: Request, res: Response, file: string, onlyGzip = false): boolean {
  const gz = `${file}.gz`;
  const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
  res.vary('Accept-Encoding');
  if (req.acceptsEncodings('gzip') && fs.existsSync(gz)) {
    res.setHeader('Content-Type', type);
    res.setHeader('Content-Encoding', 'gzip');
    res.sendFile(gz);
    return true;
  }
  if (onlyGzip) return false;
  res.setHeader('Content-Type', type);
  res.sendFile(file);
  return true;
}
