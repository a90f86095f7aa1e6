/** What every API answer that is not 2xx carries: a coded error (docs/errors.md) and a message. */
export interface ApiErrorBody {
  code: string;
  message: string;
}

/** The answer of a create: the new row's id. */
export interface CreatedId { id: number }
