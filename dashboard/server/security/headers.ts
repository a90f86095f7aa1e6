import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The answer carries a secret (device credentials, the session's user): no cache may keep it. */
    noStore?: boolean;
  }
}

/** A year, with subdomains: once a browser saw the dashboard over HTTPS, it never tries plain HTTP again. */
const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * Security headers on every answer. The CSP allows only the dashboard's own files: Vite emits one module script and
 * one stylesheet (no inline script, no inline <style>; style properties set from script are CSSOM, which CSP does
 * not govern), Socket.IO and the API are same-origin (`connect-src 'self'` covers ws: on the same host), and the
 * credentials CSV is a blob: download, which is navigation, not a fetch. HSTS is sent only on HTTPS answers (the
 * dashboard's own TLS, or a trusted proxy's `X-Forwarded-Proto: https`): over plain HTTP it would be ignored at
 * best, and `upgrade-insecure-requests` would break a plain-HTTP install.
 */
export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:', 'blob:'],
        'font-src': ["'self'"],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: false,
    // Cross-origin isolation would also refuse the PDF and spreadsheet downloads opened in a new tab.
    crossOriginEmbedderPolicy: false,
  });
  app.addHook('onSend', async (req, reply) => {
    if (req.protocol === 'https') reply.header('strict-transport-security', HSTS);
    if (req.routeOptions.config.noStore) reply.header('cache-control', 'no-store');
  });
}
