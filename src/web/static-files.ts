// Serves the UI's static files (plain ES modules, CSS) from one directory. Only files
// inside that directory, with a known type, are served: no path traversal, no dotfiles,
// no directory listings.

import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendError } from '../common/http.js';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** The UI's files are small; anything bigger is not ours. */
const staticFileBytesMax = 4 << 20;

/**
 * Resolves a URL path below `root` to a file path, or null when the path tries to leave
 * the root, names a dotfile, or has a type we do not serve.
 */
export function staticPath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const parts = decoded.split('/').filter((p) => p.length > 0);
  if (parts.some((p) => p === '..' || p.startsWith('.'))) return null;
  if (!contentTypes[extname(decoded).toLowerCase()]) return null;
  const base = resolve(root);
  const full = resolve(base, ...parts);
  if (!full.startsWith(base + sep)) return null;
  return full;
}

export async function serveStaticFile(req: IncomingMessage, res: ServerResponse, root: string, urlPath: string): Promise<void> {
  const file = staticPath(root, urlPath);
  if (!file) {
    sendError(res, 404, `no such file: ${urlPath.slice(0, 200)}`);
    return;
  }
  try {
    const st = await stat(file);
    if (!st.isFile() || st.size > staticFileBytesMax) throw new Error('not a servable file');
    const body = await readFile(file);
    res.writeHead(200, {
      'content-type': contentTypes[extname(file).toLowerCase()],
      'content-length': body.length,
      // The UI has no build step and no hashed names: always revalidate.
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch {
    sendError(res, 404, `no such file: ${urlPath.slice(0, 200)}`);
  }
}

export function staticRoot(): string {
  // Compiled, this module is dist/web/static-files.js and post-build copies the files to dist/web/static.
  return fileURLToPath(new URL('./static', import.meta.url));
}
