import { useState } from 'preact/hooks';

export interface Submit<A extends unknown[], R> {
  /** Runs the action unless one is running; its answer, or undefined when it failed (the error is then set). */
  run: (...args: A) => Promise<R | undefined>;
  busy: boolean;
  error: string;
  /** A problem found before sending (a bad field), shown like a server error; '' clears it. */
  setError: (message: string) => void;
}

/**
 * The busy flag and error line of a form or button that writes: one running action at a time, its error shown inline,
 * as the server's message or as `describe` words it (a known code in the user's language).
 */
export function useSubmit<A extends unknown[], R>(action: (...args: A) => Promise<R>, onDone?: (result: R) => void, describe?: (e: unknown) => string): Submit<A, R> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const run = async (...args: A): Promise<R | undefined> => {
    if (busy) return undefined;
    setBusy(true);
    setError('');
    try {
      const result = await action(...args);
      onDone?.(result);
      return result;
    } catch (e) {
      setError(describe ? describe(e) : e instanceof Error ? e.message : String(e));
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, setError };
}
