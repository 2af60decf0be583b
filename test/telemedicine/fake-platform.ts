import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One resource version a notification told the platform about. */
export interface Heard {
  subscription: string;
  eventNumber: number;
  resourceType: string;
  id: string;
  versionId: number;
  status?: string;
}

/**
 * A stand-in for the telemedicine platform (VTelehealth): an HTTP server on loopback that takes
 * rest-hook notifications and remembers what it heard. It can go down (the port closes, so
 * deliveries fail with connection refused) and come back on the same port.
 */
export class FakePlatform {
  readonly heard: Heard[] = [];
  readonly headers: IncomingHttpHeaders[] = [];
  private server?: Server;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/notify`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.headers.push(req.headers);
        this.heard.push(...heardIn(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  /** What one subscription heard, in arrival order. */
  of(subscriptionId: string): Heard[] {
    return this.heard.filter((h) => h.subscription.endsWith(`/Subscription/${subscriptionId}`));
  }
}

/** The events of a backport notification Bundle: status Parameters first, then one entry per event. */
function heardIn(bundle: any): Heard[] {
  const status = bundle.entry[0].resource;
  const subscription = status.parameter.find((p: any) => p.name === 'subscription').valueReference.reference;
  const events = status.parameter.filter((p: any) => p.name === 'notification-event');
  return events.map((event: any, i: number) => {
    const part = (name: string): any => event.part.find((p: any) => p.name === name);
    const focus = /\/([A-Za-z]+)\/([^/]+)\/_history\/(\d+)$/.exec(part('focus').valueReference.reference)!;
    const resource = bundle.entry[i + 1]?.resource;
    return { subscription, eventNumber: Number(part('event-number').valueString), resourceType: focus[1], id: focus[2], versionId: Number(focus[3]), status: resource?.status };
  });
}
