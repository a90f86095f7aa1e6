import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EdufleetError } from '../lib/errors.js';
import { parseDuration } from '../lib/duration.js';
import { faultNamed } from './targets.js';

/** Where a running simulator says on which port it takes `sim fault` requests, in the data directory. */
export const CONTROL_FILE = 'sim-control.json';

export interface ControlInfo {
  url: string;
  pid: number;
  /** Sent as `Authorization: Bearer <token>`: the port is on loopback, but so is every other account of the host. */
  token: string;
}

/** A fault asked for: the body of `POST /faults`. */
export interface FaultRequest {
  target: string;
  fault: string;
  /** Milliseconds; without it, the fault's own duration. */
  forMs?: number;
}

export interface FaultResponse {
  fault: string;
  devices: string[];
  forMs: number;
}

type Inject = (target: string, fault: string, forMs?: number) => FaultResponse;

async function body(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 10_000) throw new EdufleetError('EDUFLEET_ERR_REQUEST_INVALID', 'request too large');
  }
  return JSON.parse(text) as unknown;
}

function faultRequest(x: unknown): FaultRequest {
  const r = x as Partial<FaultRequest> | null;
  if (!r || typeof r.target !== 'string' || typeof r.fault !== 'string' || (r.forMs !== undefined && !(typeof r.forMs === 'number' && r.forMs > 0 && Number.isFinite(r.forMs)))) {
    throw new EdufleetError('EDUFLEET_ERR_REQUEST_INVALID', 'expected { target: string, fault: string, forMs?: positive number }');
  }
  return { target: r.target, fault: r.fault, forMs: r.forMs };
}

/** Compared in constant time (over digests, so the lengths need not match). */
const sameToken = (a: string, b: string): boolean =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

/**
 * The simulator's control port: loopback only, on a free port, announced in `dir/sim-control.json` (0600, removed at
 * stop if it is still ours) so that `edufleet sim fault` finds the simulator of the same data directory. Loopback is
 * every local account and any local process a request can be made from: a request must carry the file's random token,
 * which only the account that owns the data directory can read.
 */
export class SimControl {
  private server: Server | undefined;
  private info: ControlInfo | undefined;

  constructor(private readonly dir: string, private readonly inject: Inject) {}

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      const reply = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.method !== 'POST' || req.url !== '/faults') return reply(404, { code: 'EDUFLEET_ERR_ROUTE_NOT_FOUND', message: 'POST /faults only' });
      const auth = req.headers.authorization ?? '';
      if (!this.info || !auth.startsWith('Bearer ') || !sameToken(auth.slice(7), this.info.token)) {
        return reply(401, { code: 'EDUFLEET_ERR_SIM_TOKEN', message: 'POST /faults takes the token of sim-control.json (use `edufleet sim fault`)' });
      }
      body(req).then((b) => {
        const r = faultRequest(b);
        reply(200, this.inject(r.target, r.fault, r.forMs));
      }).catch((err: unknown) => {
        if (err instanceof EdufleetError) reply(err.statusCode, { code: err.code, message: err.message });
        else reply(400, { code: 'EDUFLEET_ERR_REQUEST_INVALID', message: (err as Error).message });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.info = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, pid: process.pid, token: randomBytes(32).toString('base64url') };
    const file = path.join(this.dir, CONTROL_FILE);
    // Written anew (a file left by an older version may be readable by others; `mode` applies only to a new file).
    rmSync(file, { force: true });
    writeFileSync(file, JSON.stringify(this.info), { mode: 0o600 });
    return this.info.url;
  }

  async stop(): Promise<void> {
    const file = path.join(this.dir, CONTROL_FILE);
    // Another simulator started later on the same directory owns the file now.
    try {
      if ((JSON.parse(readFileSync(file, 'utf8')) as ControlInfo).url === this.info?.url) rmSync(file, { force: true });
    } catch {
      // already gone
    }
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const NOT_RUNNING = 'Không có trình giả lập nào đang chạy với thư mục dữ liệu này; hãy chạy `edufleet sim …` hoặc `edufleet demo` (cùng --data-dir). '
  + '(No simulator is running with this data directory; start one with `edufleet sim …` or `edufleet demo`, same --data-dir.)';

/**
 * Asks the simulator running on `dataDir` to start a fault: what `edufleet sim fault` does. `forText` is a
 * duration as lib/duration.ts reads it ("10m", "2h").
 */
export async function requestFault(dataDir: string, target: string, fault: string, forText?: string): Promise<FaultResponse> {
  faultNamed(fault); // an unknown fault is named as such, also when no simulator runs
  let forMs: number | undefined;
  if (forText !== undefined) {
    try {
      forMs = parseDuration(forText);
    } catch {
      forMs = NaN;
    }
    if (!Number.isFinite(forMs) || forMs <= 0) throw new EdufleetError('EDUFLEET_ERR_SIM_FAULT', `--for phải là một khoảng thời gian như 10m, 2h (--for must be a duration such as 10m, 2h), got '${forText}'`);
  }
  let info: ControlInfo;
  try {
    info = JSON.parse(readFileSync(path.join(dataDir, CONTROL_FILE), 'utf8')) as ControlInfo;
  } catch {
    throw new EdufleetError('EDUFLEET_ERR_SIM_NOT_RUNNING', NOT_RUNNING);
  }
  let res: Response;
  try {
    res = await fetch(`${info.url}/faults`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${info.token}` }, body: JSON.stringify({ target, fault, forMs } satisfies FaultRequest),
    });
  } catch {
    throw new EdufleetError('EDUFLEET_ERR_SIM_NOT_RUNNING', NOT_RUNNING); // a file left by a simulator that was killed
  }
  const answer = await res.json() as FaultResponse & { code?: string; message?: string };
  if (!res.ok) throw new EdufleetError((answer.code ?? 'EDUFLEET_ERR_INTERNAL') as ConstructorParameters<typeof EdufleetError>[0], answer.message);
  return answer;
}
