import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiErrorBody, ImportJob } from '../../../../../api/index.js';
import { ApiError, get } from '../../api.js';

/** The server's limit (dashboard/server/routes/imports.ts MAX_IMPORT_BYTES), checked here first to save the upload. */
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** 'csv' or 'xlsx' from the file name, or null for anything else. */
export function importFormat(name: string): 'csv' | 'xlsx' | null {
  const m = /\.(csv|xlsx)$/i.exec(name);
  return m ? (m[1]!.toLowerCase() as 'csv' | 'xlsx') : null;
}

export interface UploadProgress { loaded: number; total: number }

/**
 * POST /api/imports?name=FILE (or the places import's `base`) with the file itself as the body. XMLHttpRequest
 * rather than fetch, because only it reports upload progress. Resolves with the job (202); rejects with an ApiError
 * carrying the server's code.
 */
export function uploadImport<J = ImportJob>(file: File, onProgress: (p: UploadProgress) => void, signal: AbortSignal, base = '/api/imports'): Promise<J> {
  const format = importFormat(file.name);
  // The server picks the reader by the name's extension and accepts only lower or upper case ones.
  const name = format ? file.name.replace(/\.[^.]+$/, `.${format}`) : file.name;
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${base}?name=${encodeURIComponent(name)}`);
    xhr.setRequestHeader('content-type', format === 'xlsx' ? XLSX_TYPE : 'text/csv');
    xhr.upload.onprogress = (e) => onProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON: the status line says enough
      }
      if (xhr.status >= 200 && xhr.status < 300 && body) return resolve(body as J);
      const err = (body ?? { code: `HTTP_${xhr.status}`, message: xhr.statusText || `HTTP ${xhr.status}` }) as ApiErrorBody;
      // An expired session: any call that answers 401 brings the login back.
      if (xhr.status === 401) void get('/api/me').catch(() => {});
      reject(new ApiError(xhr.status, err.code, err.message));
    };
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', 'network error'));
    xhr.onabort = () => reject(new DOMException('aborted', 'AbortError'));
    signal.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

/** Bytes as "1,2 MB" in the user's language. */
export function fmtBytes(fmt: (n: number, digits: number) => string, n: number): string {
  if (n < 1024) return `${fmt(n, 0)} B`;
  if (n < 1024 * 1024) return `${fmt(n / 1024, 1)} KB`;
  return `${fmt(n / 1024 / 1024, 1)} MB`;
}

export interface Upload<J> {
  /** Bytes sent so far while an upload runs, else null. */
  progress: UploadProgress | null;
  /** Sends the file; the job, or undefined when the upload was cancelled. Rejects with the server's ApiError. */
  send: (file: File, base: string) => Promise<J | undefined>;
  /** Stops the upload under way (a reset, another file, leaving the page). */
  cancel: () => void;
}

/** One upload at a time with its progress; leaving the page cancels it. */
export function useUpload<J>(): Upload<J> {
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const current = useRef<AbortController | null>(null);
  const cancel = () => {
    current.current?.abort();
    current.current = null;
    setProgress(null);
  };
  useEffect(() => () => current.current?.abort(), []);
  const send = async (file: File, base: string): Promise<J | undefined> => {
    cancel();
    const ctl = new AbortController();
    current.current = ctl;
    setProgress({ loaded: 0, total: file.size });
    try {
      return await uploadImport<J>(file, setProgress, ctl.signal, base);
    } catch (e) {
      if (ctl.signal.aborted) return undefined;
      throw e;
    } finally {
      if (!ctl.signal.aborted) setProgress(null);
    }
  };
  return { progress, send, cancel };
}
