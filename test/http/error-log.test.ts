import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import { errorHandler } from '../../src/http/errors';
import { closeHttpServer, createHttpServer } from '../../src/http/server';

// src/http/errors.ts — a failure of ours (5xx) is logged with its message and stack, never with
// what the request sent that the error carries: body-parser attaches the whole raw body to its
// errors (`err.body`), node-postgres a row's values (`err.detail`), and pino logs every property.
test('a logged failure leaves out the body and the values an error carries', async () => {
  const lines: string[] = [];
  const logger = pino(new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
  const failing = Object.assign(new Error('boom'), {
    status: 500,
    expose: false,
    code: 'E_TEST',
    body: '{"resourceType":"Patient","name":[{"family":"Nguyễn Thị Bí Mật"}]}',
    detail: 'Key (value)=(079123456789) already exists.',
  });
  const app = express();
  app.post('/x', () => {
    throw failing;
  });
  app.use(errorHandler(logger, 1024));
  const server = createHttpServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/x`, { method: 'POST' });
    expect(res.status).toBe(500);
  } finally {
    await closeHttpServer(server);
  }
  const logged = lines.join('\n');
  expect(logged).toContain('boom');
  expect(logged).toContain('E_TEST');
  for (const secret of ['Bí Mật', 'Nguy', '079123456789', 'Patient']) expect(logged).not.toContain(secret);
});
