/** A pino destination that keeps what was written, for a test to read the log lines (`createLogger(level, name, it)`). */
export function captureLog(): { write(line: string): void; lines(): Record<string, unknown>[] } {
  const written: string[] = [];
  return {
    write: (line) => { written.push(line); },
    lines: () => written.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
