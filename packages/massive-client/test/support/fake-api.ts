/**
 * A tiny router over msw: routes by decoded pathname (tickers like `X:BTCUSD` would read as msw path params),
 * records every request, and serves one response per call from a list (the last one repeats).
 */
import { HttpResponse, http } from 'msw';
import type { SetupServer } from 'msw/node';

export interface RecordedRequest {
  url: URL;
  headers: Headers;
}

export type Responder = (url: URL, request: Request) => Response | Promise<Response>;

export interface FakeApi {
  /** Serves `responders` in turn on GET `pathname` (the last one repeats). */
  on(pathname: string, ...responders: Responder[]): FakeApi;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Requests received on `pathname`. */
  requestsTo(pathname: string): RecordedRequest[];
}

/** Installs a catch-all handler on `server` for `origin` and returns the router. */
export function fakeApi(server: SetupServer, origin = 'https://api.massive.com'): FakeApi {
  const routes = new Map<string, { responders: Responder[]; calls: number }>();
  const requests: RecordedRequest[] = [];
  server.use(
    http.get(`${origin}/*`, async ({ request }) => {
      const url = new URL(request.url);
      requests.push({ url, headers: new Headers(request.headers) });
      const route = routes.get(decodeURIComponent(url.pathname));
      if (!route) return HttpResponse.json({ status: 'ERROR', error: `fake api: no route for ${url.pathname}` }, { status: 418 });
      const responder = route.responders[Math.min(route.calls, route.responders.length - 1)] as Responder;
      route.calls += 1;
      return responder(url, request);
    }),
  );
  const api: FakeApi = {
    on(pathname, ...responders) {
      routes.set(pathname, { responders, calls: 0 });
      return api;
    },
    requests,
    requestsTo(pathname) {
      return requests.filter((r) => decodeURIComponent(r.url.pathname) === pathname);
    },
  };
  return api;
}

/** A JSON responder. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Responder {
  return () => HttpResponse.json(body as Record<string, unknown>, { status, headers });
}
