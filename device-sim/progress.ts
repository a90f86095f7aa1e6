/**
 * A progress line on stderr: rewritten in place on a terminal, printed every few seconds otherwise (logs, CI).
 */
export function startProgress(line: () => string, o: { everyMs?: number; stream?: NodeJS.WriteStream } = {}): { stop(): void; update(): void } {
  const stream = o.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  const every = o.everyMs ?? (tty ? 500 : 5000);
  const write = () => stream.write(tty ? `\r\x1b[2K${line()}` : `${line()}\n`);
  const timer = setInterval(write, every);
  timer.unref();
  return {
    update: write,
    stop() {
      clearInterval(timer);
      write();
      if (tty) stream.write('\n');
    },
  };
}
