import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { influxClient } from '../../lib/influx/index.js';

/**
 * What influxd does when it dies in the middle of a query: it has already flushed "200 OK" (it sends the header
 * before it runs the query), then the connection closes. A real socket that does exactly that, since a killed
 * influxd cannot be timed to die between the header and the body.
 */
describe('the InfluxDB client', () => {
  let server: Server;
  let url: string;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.add(socket);
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"res\r\n');
        setImmediate(() => socket.destroy());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('fails a query whose answer is cut off after the header instead of waiting for ever', async () => {
    const influx = influxClient(url, { database: 'edufleet' });
    await expect(influx.query('SELECT * FROM telemetry_board')).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('fails a write whose answer is cut off the same way', async () => {
    const influx = influxClient(url, { database: 'edufleet' });
    await expect(influx.writePoints([{ measurement: 'm', fields: { v: 1 } }])).rejects.toMatchObject({ code: 'ECONNRESET' });
  });
});
