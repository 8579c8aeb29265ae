import type { AddressInfo } from 'node:net';
import type { IncomingMessage, Server } from 'node:http';
import type { Application, Request, Response } from 'express';
import { SharedShapeExpressAdapter } from './express-adapter';

describe('SharedShapeExpressAdapter', () => {
  let server: Server;
  let app: Application & { request: object; response: object };
  const arrived: { request: object | null; response: object | null }[] = [];

  beforeAll(async () => {
    const adapter = new SharedShapeExpressAdapter();
    app = adapter.getInstance();
    app.set('trust proxy', false);
    app.get('/echo', (req: Request, res: Response) => {
      res.status(201).json({ ip: req.ip, header: req.get('x-probe'), query: req.query });
    });
    adapter.initHttpServer({});
    server = adapter.getHttpServer() as Server;
    // Before Express sees the request: what the server itself built.
    server.prependListener('request', (req: IncomingMessage, res) => {
      arrived.push({ request: Object.getPrototypeOf(req) as object, response: Object.getPrototypeOf(res) as object });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const get = async (path: string) => {
    const { port } = server.address() as AddressInfo;
    return fetch(`http://127.0.0.1:${port}${path}`, { headers: { 'x-probe': 'yes' } });
  };

  it("builds every request and response on Express's own prototypes, so Express never changes them", async () => {
    await get('/echo');
    await get('/echo');
    expect(arrived).toHaveLength(2);
    for (const { request, response } of arrived) {
      expect(request).toBe(app.request);
      expect(response).toBe(app.response);
    }
  });

  it("keeps Express's request and response API", async () => {
    const res = await get('/echo?a=1');
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ ip: '127.0.0.1', header: 'yes', query: { a: '1' } });
  });
});
