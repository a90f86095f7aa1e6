import net from 'node:net';

export interface Relay {
  port: number;
  /** Connections piped now. */
  readonly open: number;
  /** Drops every piped connection at once (both sides reset) and refuses new ones until `restore`. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/**
 * A TCP relay on a free loopback port piping to 127.0.0.1:`target`, which a test can cut like a failing 4G link: what
 * was in flight is lost, and nothing gets through until it is restored. TLS passes through untouched.
 */
export async function startRelay(target: number): Promise<Relay> {
  const sockets = new Set<net.Socket>();
  let up = true;
  const server = net.createServer((inbound) => {
    if (!up) {
      inbound.resetAndDestroy();
      return;
    }
    const outbound = net.connect(target, '127.0.0.1');
    sockets.add(inbound);
    sockets.add(outbound);
    const end = () => {
      sockets.delete(inbound);
      sockets.delete(outbound);
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', end).on('close', end);
    outbound.on('error', end).on('close', end);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const dropAll = () => {
    for (const s of sockets) s.resetAndDestroy();
    sockets.clear();
  };
  return {
    port,
    get open() {
      return sockets.size / 2;
    },
    cut() {
      up = false;
      dropAll();
    },
    restore() {
      up = true;
    },
    close() {
      up = false;
      dropAll();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
