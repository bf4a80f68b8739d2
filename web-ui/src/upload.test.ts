import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, upload } from './api';

/** A stand-in XMLHttpRequest: records the request; the test answers it. */
class FakeXhr {
  static last: FakeXhr;
  method = '';
  url = '';
  withCredentials = false;
  headers: Record<string, string> = {};
  body: unknown;
  status = 0;
  responseText = '';
  upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  ontimeout: (() => void) | null = null;
  constructor() {
    FakeXhr.last = this;
  }
  open(m: string, u: string) {
    this.method = m;
    this.url = u;
  }
  setRequestHeader(k: string, v: string) {
    this.headers[k] = v;
  }
  getResponseHeader() {
    return 'application/json';
  }
  send(body: unknown) {
    this.body = body;
  }
  abort() {
    this.onabort?.();
  }
  answer(status: number, body: unknown) {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload?.();
  }
}

describe('upload', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('posts the form with the cookie, reports progress and returns the JSON', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    const seen: [number, number][] = [];
    const form = new FormData();
    const p = upload<{ accepted: number }>('/datasets/3/files', form, (a, b) => seen.push([a, b]));
    const x = FakeXhr.last;
    expect([x.method, x.url, x.withCredentials, x.body]).toEqual(['POST', '/api/v1/datasets/3/files', true, form]);
    x.upload.onprogress?.({ loaded: 50, total: 100, lengthComputable: true });
    x.upload.onprogress?.({ loaded: 100, total: 100, lengthComputable: true });
    x.answer(200, { accepted: 2 });
    await expect(p).resolves.toEqual({ accepted: 2 });
    expect(seen).toEqual([
      [50, 100],
      [100, 100],
    ]);
  });

  it('turns an error answer into an ApiError with its code', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    const p = upload('/datasets/3/files', new FormData(), () => {});
    FakeXhr.last.answer(422, { error: { code: 'bad_manifest', message: 'line 3' } });
    const e = (await p.catch((x: unknown) => x)) as ApiError;
    expect(e).toBeInstanceOf(ApiError);
    expect([e.status, e.code, e.message]).toEqual([422, 'bad_manifest', 'line 3']);
  });

  it('stops when aborted, and reports a lost connection as network', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    const c = new AbortController();
    const p = upload('/x', new FormData(), () => {}, c.signal);
    c.abort();
    await expect(p).rejects.toMatchObject({ code: 'aborted' });
    const q = upload('/x', new FormData(), () => {});
    FakeXhr.last.onerror?.();
    await expect(q).rejects.toMatchObject({ code: 'network' });
  });
});
