import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EdufleetError } from '../../lib/errors.js';
import type { ApiErrorBody } from '../../api/index.js';

/** Every error leaves as `{ code, message }` with its status: coded EduFleet errors, Fastify's own, and the rest as 500. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler<FastifyError | EdufleetError>((err, req, reply) => {
    if (err instanceof EdufleetError) {
      return reply.status(err.statusCode).send({ code: err.code, message: err.message } satisfies ApiErrorBody);
    }
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    const body: ApiErrorBody = status >= 500
      ? { code: 'EDUFLEET_ERR_INTERNAL', message: 'Internal error; the server log has the details.' }
      : { code: err.validation ? 'EDUFLEET_ERR_REQUEST_INVALID' : (err.code ?? 'EDUFLEET_ERR_REQUEST_INVALID'), message: err.message };
    return reply.status(status).send(body);
  });
}

/**
 * Fastify's `frameworkErrors`: a URL that does not decode (`/api/devices/%zz`) or a path param past the router's
 * length limit is answered before any route or error handler, by default in Fastify's own body shape. Here it leaves
 * as every other error, `{ code, message }` (found by the API fuzzer, test/api-fuzz/).
 */
export function frameworkErrors(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  void reply.status(err.statusCode ?? 400).send({ code: 'EDUFLEET_ERR_REQUEST_INVALID', message: err.message } satisfies ApiErrorBody);
}

/**
 * Fastify's `clientErrorHandler`: bytes Node's HTTP parser cannot read (a request line with raw spaces or invalid
 * bytes, headers past 16 KiB, a request not received in time) are answered on the socket, again as `{ code, message }`,
 * and the connection closed, as Node does by default.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] = err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'the request line and headers are larger than the server reads']
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'the request did not arrive in time'] : [400, `the request is not valid HTTP/1.1 (${err.code ?? 'unreadable'})`];
  const body = JSON.stringify({ code: 'EDUFLEET_ERR_REQUEST_INVALID', message } satisfies ApiErrorBody);
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}
