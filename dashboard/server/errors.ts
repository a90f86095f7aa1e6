import type { FastifyError, FastifyInstance } from 'fastify';
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
