import type { AuditEvent } from '@medplum/fhirtypes';
import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { ParserRefusal } from '../../src/http/client-errors';
import { closeHttpServer, createHttpServer } from '../../src/http/server';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';

// src/http/client-errors.ts, src/http/json-body.ts — what Node's HTTP parser and the body reader
// refuse is answered as an OperationOutcome too (docs/security.md, "Malformed requests"). Spoken as
// raw bytes over a socket: an HTTP client library would not send most of these.

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** The bytes after the first response's headers. */
  body: Buffer;
  /** Everything the server sent, as text. */
  text: string;
}

/**
 * Sends `request` (written in one piece) to 127.0.0.1:`port` and reads what comes back until the
 * server closes the connection, or `waitMs` passes; the first response is parsed.
 */
function raw(port: number, request: string | Buffer, waitMs = 5_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    // The server may reset the connection once it has answered: what arrived is what counts.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      if (end < 0) return reject(new Error(`no response: ${JSON.stringify(all.toString('latin1'))}`));
      const [statusLine, ...lines] = all.subarray(0, end).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: all.subarray(end + 4), text: all.toString('utf8') });
    });
  });
}

/** The response is a whole FHIR OperationOutcome with `code`, its length told right, on a closing connection. */
function expectOutcome(res: RawResponse, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
  expect(Number(res.headers['content-length'])).toBe(res.body.length);
  const outcome = JSON.parse(res.body.toString('utf8'));
  expect(outcome.resourceType).toBe('OperationOutcome');
  expect(outcome.issue[0].code).toBe(code);
  // Vietnamese first, then English, as every other refusal.
  expect(outcome.issue[0].diagnostics).toMatch(/[^\x00-\x7f].* \/ [\x20-\x7e]+$/);
}

const LIMIT = 64 * 1024;
let server: TestServer;
let port: number;
beforeAll(async () => {
  server = await startTestServer({ MAX_BODY_SIZE: `${LIMIT}b` });
  port = Number(new URL(server.origin).port);
}, 180_000);
afterAll(() => server?.close());

describe("Node's HTTP parser", () => {
  test('an unknown method is 501', async () => {
    const res = await raw(port, 'FROB /fhir/metadata HTTP/1.1\r\nHost: x\r\n\r\n');
    expectOutcome(res, 501, 'not-supported');
    expect(res.headers.connection).toBe('close');
  });

  test('a method in lower case is no method HTTP knows either: 501', async () => {
    expectOutcome(await raw(port, 'get /fhir/metadata HTTP/1.1\r\nHost: x\r\n\r\n'), 501, 'not-supported');
  });

  test('CONNECT is 501, not a closed connection', async () => {
    const res = await raw(port, 'CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n');
    expectOutcome(res, 501, 'not-supported');
    expect(res.headers.connection).toBe('close');
  });

  test('headers over the 64 KB limit are 431', async () => {
    const res = await raw(port, `GET /fhir/metadata HTTP/1.1\r\nHost: x\r\nX-Filler: ${'a'.repeat(70 * 1024)}\r\n\r\n`);
    expectOutcome(res, 431, 'too-long');
    expect(res.headers.connection).toBe('close');
  });

  test('an HTTP version other than 1.x is 505', async () => {
    expectOutcome(await raw(port, 'GET /fhir/metadata HTTP/1.2\r\nHost: x\r\n\r\n'), 505, 'not-supported');
    expectOutcome(await raw(port, 'GET /fhir/metadata HTTP/3.0\r\nHost: x\r\n\r\n'), 505, 'not-supported');
  });

  test('HTTP/2.0 written out in a request line, which Node’s parser takes, is 505 too', async () => {
    const res = await raw(port, 'GET /fhir/metadata HTTP/2.0\r\nHost: x\r\n\r\n');
    expectOutcome(res, 505, 'not-supported');
    expect(res.headers.connection).toBe('close');
    // Not the app's answer: nothing but the refusal.
    expect(res.text).not.toContain('CapabilityStatement');
    expectOutcome(await raw(port, `POST /fhir/Patient HTTP/2.0\r\nHost: x\r\nAuthorization: Bearer ${server.token}\r\nContent-Type: application/fhir+json\r\nContent-Length: 2\r\n\r\n{}`), 505, 'not-supported');
  });

  test('a request line without an HTTP version (HTTP/0.9) is 400, with or without headers after it', async () => {
    for (const request of ['GET /fhir/metadata\r\n\r\n', 'GET /fhir/metadata\r\nHost: x\r\n\r\n', 'GET /fhir/metadata HTTP/0.9\r\nHost: x\r\n\r\n']) {
      const res = await raw(port, request);
      expectOutcome(res, 400, 'invalid');
      expect(res.headers.connection).toBe('close');
      expect(res.text).toContain('HTTP/0.9');
      expect(res.text).not.toContain('CapabilityStatement');
    }
  });

  test('HTTP/1.0 is served as before, with Host or without', async () => {
    for (const request of ['GET /fhir/metadata HTTP/1.0\r\nHost: x\r\n\r\n', 'GET /fhir/metadata HTTP/1.0\r\n\r\n']) {
      const res = await raw(port, request);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body.toString('utf8')).resourceType).toBe('CapabilityStatement');
    }
  });

  test('an HTTP/1.1 request without Host is 400 (RFC 9112 §3.2), an OperationOutcome rather than Node’s bare status line', async () => {
    const res = await raw(port, 'GET /fhir/metadata HTTP/1.1\r\n\r\n');
    expectOutcome(res, 400, 'invalid');
    expect(res.headers.connection).toBe('close');
    expect(res.text).toContain('Host');
  });

  test('chunk extensions over Node’s limit are 413', async () => {
    const res = await raw(
      port,
      `POST /fhir/Patient HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server.token}\r\nContent-Type: application/fhir+json\r\n` +
        `Transfer-Encoding: chunked\r\n\r\n2;${'e'.repeat(20 * 1024)}\r\n{}\r\n0\r\n\r\n`,
    );
    expectOutcome(res, 413, 'too-long');
  });

  test('any other parse error is 400, naming the parser’s error code but nothing sent', async () => {
    const res = await raw(port, 'GET /fhir/metadata HTTP/1.1\r\nHost: x\r\nNguyen Van An\r\n\r\n');
    expectOutcome(res, 400, 'invalid');
    const text = res.body.toString('utf8');
    expect(text).toContain('HPE_');
    expect(text).not.toContain('Nguyen');
  });

  test('a parse error on a kept-alive connection is answered after the answers before it', async () => {
    const res = await raw(port, 'GET /fhir/metadata HTTP/1.1\r\nHost: x\r\n\r\nFROB / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(res.status).toBe(200);
    const second = res.text.lastIndexOf('HTTP/1.1 501 ');
    expect(second).toBeGreaterThan(0);
    expect(res.text.slice(second)).toMatch(/application\/fhir\+json[\s\S]*"code":"not-supported"/);
  });
});

describe('the audit trail', () => {
  test('records each refusal of the parser as an anonymous attempt, with nothing the client sent but a parsed method and path', async () => {
    await raw(port, 'FROB /fhir/Patient?name=Nguyen HTTP/1.1\r\nHost: x\r\n\r\n');
    await raw(port, 'GET /fhir/Patient?name=Nguyen HTTP/1.1\r\nHost: x\r\nX-Note: Tran Thi Bi Mat\r\nLe Van Lao\r\n\r\n');
    await raw(port, 'GET /fhir/Patient/parsed-path?name=Nguyen HTTP/2.0\r\nHost: x\r\nX-Note: Tran Thi Bi Mat\r\n\r\n');
    await raw(port, 'CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n');
    await raw(port, `${'POST /fhir/Patient HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\n'}Expect: Tran-Thi-Bi-Mat\r\nContent-Length: 2\r\n\r\n{}`);
    await server.engine.repo.flushAudit();
    const audit = await fhirFetch(`${server.baseUrl}/AuditEvent?outcome=4&_count=200`, { token: await server.systemToken('system/AuditEvent.rs') });
    const events: AuditEvent[] = (audit.body.entry ?? []).map((e: { resource: AuditEvent }) => e.resource);
    const described = (start: string): AuditEvent | undefined => events.find((e) => e.outcomeDesc?.startsWith(start));
    expect(described('501: ')?.outcomeDesc).toContain('The HTTP method is not supported');
    expect(described('400: ')?.outcomeDesc).toContain('HPE_');
    expect(described('505 GET /fhir/Patient/parsed-path: ')).toBeDefined();
    expect(described('501 CONNECT example.org:443: ')).toBeDefined();
    expect(described('417 POST /fhir/Patient: ')).toBeDefined();
    const refusal = described('505 GET')!;
    expect(refusal.agent[0].altId).toBe('anonymous');
    expect(refusal.agent[0].network?.address).toMatch(/127\.0\.0\.1/);
    const all = JSON.stringify(events);
    for (const secret of ['Nguyen', 'Tran', 'Bi Mat', 'Bi-Mat', 'Le Van', 'Lao']) expect(all).not.toContain(secret);
  });
});

describe('the body reader', () => {
  /** A raw POST of `body` (bytes as given) to `path`, as the default clinician. */
  const post = (path: string, body: string | Buffer, type = 'application/fhir+json'): Promise<RawResponse> => {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const head = `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server.token}\r\nContent-Type: ${type}\r\nContent-Length: ${bytes.length}\r\nConnection: close\r\n\r\n`;
    return raw(port, Buffer.concat([Buffer.from(head), bytes]));
  };
  const nested = (depth: number): string => `{"resourceType":"Patient","extension":[{"url":"x","valueString":"a"}],"x":${'['.repeat(depth)}${']'.repeat(depth)}}`;

  test('JSON nested deeper than 128 levels is 400, not a stack overflow (500)', async () => {
    const res = await post('/fhir/Patient', nested(20_000));
    expectOutcome(res, 400, 'invalid');
    expect(res.body.toString('utf8')).toContain('128');
  });

  test('so is a transaction nested too deep', async () => {
    const entry = { request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient' } };
    const bundle = JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: [entry] }).replace('"resourceType":"Patient"', `"resourceType":"Patient","x":${'['.repeat(20_000)}${']'.repeat(20_000)}`);
    expectOutcome(await post('/fhir', bundle), 400, 'invalid');
  });

  test('and a JSON body nested too deep outside the FHIR API (sign-in)', async () => {
    const res = await post('/auth/login', `{"username":${'['.repeat(20_000)}${']'.repeat(20_000)},"password":"x"}`, 'application/json');
    expectOutcome(res, 400, 'invalid');
    expect(res.body.toString('utf8')).toContain('128');
  });

  test('malformed JSON says where, but repeats nothing of the body, in the answer or the audit trail', async () => {
    // JSON.parse's message for this one quoted the text around the error: `..."family": Nguyễn Thị"...`.
    const body = '{\n  "resourceType": "Patient",\n  "name": [{"family": Nguyễn Thị Bí Mật, "text": "ghi chú: lao phổi"}]\n}';
    const res = await post('/fhir/Patient', body);
    expectOutcome(res, 400, 'invalid');
    const diagnostics: string = JSON.parse(res.body.toString('utf8')).issue[0].diagnostics;
    expect(diagnostics).toContain('line 3 column 23');
    for (const secret of ['Bí Mật', 'Nguy', 'lao', 'family', '"']) expect(diagnostics).not.toContain(secret);
    await server.engine.repo.flushAudit();
    const audit = await fhirFetch(`${server.baseUrl}/AuditEvent?outcome=4&_count=100`, { token: await server.systemToken('system/AuditEvent.rs') });
    const descriptions: string[] = (audit.body.entry ?? []).map((e: { resource: AuditEvent }) => e.resource.outcomeDesc ?? '');
    const recorded = descriptions.find((d) => d.includes('Malformed JSON'));
    expect(recorded).toContain('line 3 column 23');
    for (const secret of ['Bí Mật', 'Nguy', 'lao']) expect(descriptions.join('\n')).not.toContain(secret);
  });

  test('malformed JSON outside the FHIR API does not repeat the body either', async () => {
    const res = await post('/auth/login', '{"username": "nguyen.van.an", "password": mật-khẩu-bí-mật}', 'application/json');
    expectOutcome(res, 400, 'invalid');
    const text = res.body.toString('utf8');
    expect(text).toContain('position 42');
    for (const secret of ['nguyen', 'mật', 'khẩu', 'password']) expect(text).not.toContain(secret);
  });

  test('a body beginning with a UTF-8 byte order mark is read as the JSON after it', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const res = await post('/fhir/Patient', Buffer.concat([bom, Buffer.from(JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Trần' }] }))]));
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body.toString('utf8')).name[0].family).toBe('Trần');
  });
});

describe('Expect', () => {
  const post = (headers: string): string =>
    `POST /fhir/Patient HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server.token}\r\nContent-Type: application/fhir+json\r\n${headers}\r\n`;

  test('an expectation other than 100-continue is 417', async () => {
    const res = await raw(port, `${post('Expect: something-else\r\nContent-Length: 2\r\n')}{}`);
    expectOutcome(res, 417, 'not-supported');
  });

  test('100-continue with a Content-Length over the limit is 413 at once, without 100 Continue', async () => {
    // The body is never sent: the answer must come without it.
    const res = await raw(port, post(`Expect: 100-continue\r\nContent-Length: ${LIMIT + 1}\r\n`));
    expect(res.text).not.toContain('100 Continue');
    expectOutcome(res, 413, 'too-costly');
    expect(res.headers.connection).toBe('close');
  });

  test('100-continue within the limit is granted, and the request answered as any other', async () => {
    const body = JSON.stringify({ resourceType: 'Patient', gender: 'female' });
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (c: Buffer) => {
      text += c.toString('utf8');
      // Written, not ended: a client's half-close aborts its request (Node's httpAllowHalfOpen).
      if (text === 'HTTP/1.1 100 Continue\r\n\r\n') socket.write(body);
    });
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.write(post(`Expect: 100-continue\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`));
    await closed;
    expect(text).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 /);
  });
});

describe('a request that arrives too slowly', () => {
  let slow: Server;
  let slowPort: number;
  const recorded: ParserRefusal[] = [];
  beforeAll(async () => {
    slow = createHttpServer((_req, res) => res.end('ok'), { auditRefusal: (refusal) => recorded.push(refusal) });
    slow.headersTimeout = 500;
    slow.requestTimeout = 1_000;
    // How often Node looks for timed-out requests (30 s by default), read when the server starts
    // listening; there is no documented setter, and a test cannot wait 30 s per case.
    (slow as unknown as { connectionsCheckingInterval: number }).connectionsCheckingInterval = 100;
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    slowPort = (slow.address() as AddressInfo).port;
  });
  afterAll(() => closeHttpServer(slow));

  test('headers not in by headersTimeout are 408', async () => {
    recorded.length = 0;
    const res = await raw(slowPort, 'GET / HTTP/1.1\r\nHost: x\r\n', 10_000);
    expectOutcome(res, 408, 'timeout');
    expect(res.headers.connection).toBe('close');
    expect(recorded.map((r) => r.failure.status)).toEqual([408]);
  });

  test('a connection that sends nothing is closed with the 408, but asked for nothing and is not recorded', async () => {
    recorded.length = 0;
    const res = await raw(slowPort, '', 10_000);
    expect(res.status).toBe(408);
    expect(recorded).toEqual([]);
  });
});
