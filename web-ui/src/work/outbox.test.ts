import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, setFetch } from '../api';
import {
  apiSender,
  backoffMs,
  classify,
  idbStore,
  memoryStore,
  Outbox,
  type OutboxEntry,
  refusal,
  type SendOutcome,
} from './outbox';
import { uuid } from '../util';
import type { LabelBody } from './types';

const body = (item: number, label = 'cat', assignment = 7): LabelBody => ({
  client_uuid: uuid(),
  assignment_id: assignment,
  item_id: item,
  answer: { label },
  duration_ms: 1200,
});

/** A fake server: records what arrives, answers per a script (default: ok). */
function server() {
  const got: OutboxEntry[] = [];
  let down = false;
  let replies: ((e: OutboxEntry) => SendOutcome | undefined)[] = [];
  const send = vi.fn(async (e: OutboxEntry): Promise<SendOutcome> => {
    const scripted = replies.shift()?.(e);
    if (scripted) return scripted;
    if (down) return { kind: 'retry', error: new ApiError(0, 'network', 'offline') };
    got.push(e);
    return { kind: 'ok', result: { label_id: got.length, status: 'stored', item_state: 'open' } };
  });
  return {
    got,
    send,
    setDown: (d: boolean) => (down = d),
    script: (...r: ((e: OutboxEntry) => SendOutcome | undefined)[]) => (replies = r),
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

afterEach(() => {
  vi.useRealTimers();
});

describe('outbox', () => {
  it('saves before sending and sends in order, each once', async () => {
    const store = memoryStore();
    const srv = server();
    const puts: string[] = [];
    const put = store.put;
    store.put = async (e) => {
      puts.push(e.id);
      // the server has not seen it when it is saved
      expect(srv.got.some((g) => g.id === e.id)).toBe(false);
      return put(e);
    };
    const ob = new Outbox(store, srv.send);
    ob.setUser(1);
    const bodies = [body(1), body(2), body(3)];
    for (const b of bodies) await ob.enqueueLabel(1, b);
    await ob.flush();
    expect(srv.got.map((e) => e.item_id)).toEqual([1, 2, 3]);
    expect(puts).toEqual(bodies.map((b) => b.client_uuid));
    expect(ob.pending()).toBe(0);
    expect(store.data.size).toBe(0);
  });

  it('keeps labels while offline, backs off, and sends them once when the network returns', async () => {
    vi.useFakeTimers();
    const store = memoryStore();
    const srv = server();
    const ob = new Outbox(store, srv.send, { now: () => Date.now(), random: () => 0.5 });
    ob.setUser(1);
    srv.setDown(true);
    const seen: number[] = [];
    ob.subscribe((s) => seen.push(s.pending));
    await ob.enqueueLabel(1, body(1));
    await ob.enqueueLabel(1, body(2));
    await vi.advanceTimersByTimeAsync(0);
    expect(ob.snapshot()).toMatchObject({ pending: 2, offline: true });
    expect(store.data.size).toBe(2);
    const tries = srv.send.mock.calls.length;
    // backoff: nothing is tried again before a second has passed
    await vi.advanceTimersByTimeAsync(500);
    expect(srv.send.mock.calls.length).toBe(tries);
    await vi.advanceTimersByTimeAsync(600);
    expect(srv.send.mock.calls.length).toBe(tries + 1);
    // the first entry's attempts are stored with it
    expect([...store.data.values()].find((e) => e.item_id === 1)?.attempts).toBe(2);
    srv.setDown(false);
    ob.retryNow();
    await vi.advanceTimersByTimeAsync(0);
    await ob.flush();
    expect(srv.got.map((e) => e.item_id)).toEqual([1, 2]);
    expect(ob.snapshot()).toMatchObject({ pending: 0, offline: false });
    expect(seen).toContain(2);
    expect(seen[seen.length - 1]).toBe(0);
  });

  it('a reload finds the saved entries (IndexedDB) and sends them', async () => {
    const factory = new IDBFactory();
    const srv = server();
    srv.setDown(true);
    const first = new Outbox(idbStore(factory, 'reload-test'), srv.send);
    first.setUser(3);
    const b = body(9);
    await first.enqueueLabel(3, b);
    await first.flush();
    first.stop(); // the tab is closed
    expect(srv.got).toHaveLength(0);

    srv.setDown(false);
    const second = new Outbox(idbStore(factory, 'reload-test'), srv.send);
    await second.load();
    expect(second.entries()).toHaveLength(0); // nobody logged in yet
    second.setUser(3);
    await second.flush();
    expect(srv.got.map((e) => e.id)).toEqual([b.client_uuid]);
    expect(await idbStore(factory, 'reload-test').all()).toEqual([]);
  });

  it("never sends another annotator's entries", async () => {
    const srv = server();
    const ob = new Outbox(memoryStore(), srv.send);
    ob.setUser(1);
    await ob.enqueueLabel(1, body(1));
    await ob.flush();
    ob.setUser(2);
    await ob.enqueueLabel(2, body(2));
    await ob.flush();
    expect(srv.got.map((e) => e.user_id)).toEqual([1, 2]);
    ob.setUser(null);
    await ob.enqueueLabel(1, body(3));
    await ob.flush();
    expect(srv.got).toHaveLength(2);
    ob.setUser(2);
    await ob.flush();
    expect(srv.got).toHaveLength(2);
    expect(ob.pending()).toBe(0);
    ob.setUser(1);
    await ob.flush();
    expect(srv.got.map((e) => e.item_id)).toEqual([1, 2, 3]);
  });

  it('a change of mind before sending replaces the queued answer; the waiter gets the new result', async () => {
    const srv = server();
    srv.setDown(true);
    const ob = new Outbox(memoryStore(), srv.send);
    ob.setUser(1);
    const a = await ob.enqueueLabel(1, body(4, 'cat'));
    const waiting = ob.whenSent(a.id);
    await ob.enqueueLabel(1, body(4, 'dog'));
    expect(ob.pending()).toBe(1);
    expect(ob.queuedAnswers(7).get(4)?.answer).toEqual({ label: 'dog' });
    srv.setDown(false);
    ob.retryNow();
    await ob.flush();
    const o = await waiting;
    expect(o.kind).toBe('ok');
    expect(srv.got.map((e) => e.body?.answer)).toEqual([{ label: 'dog' }]);
  });

  it('a change while the first answer is on its way is sent after it', async () => {
    const srv = server();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const order: string[] = [];
    const ob = new Outbox(memoryStore(), async (e) => {
      order.push(`start ${JSON.stringify(e.body?.answer)}`);
      if (order.length === 1) await gate;
      return srv.send(e);
    });
    ob.setUser(1);
    await ob.enqueueLabel(1, body(4, 'cat'));
    await tick();
    await ob.enqueueLabel(1, body(4, 'dog'));
    expect(ob.pending()).toBe(2);
    release();
    await ob.flush();
    expect(srv.got.map((e) => e.body?.answer)).toEqual([{ label: 'cat' }, { label: 'dog' }]);
  });

  it('drops what the server refuses, counts it, and goes on', async () => {
    const srv = server();
    srv.script(() => ({ kind: 'rejected', code: 'unit_closed', message: 'unit closed' }));
    const ob = new Outbox(memoryStore(), srv.send);
    ob.setUser(1);
    const a = await ob.enqueueLabel(1, body(1));
    const w = ob.whenSent(a.id);
    await ob.enqueueLabel(1, body(2));
    await ob.flush();
    expect((await w).kind).toBe('rejected');
    expect(srv.got.map((e) => e.item_id)).toEqual([2]);
    expect(ob.snapshot()).toMatchObject({ pending: 0, rejected: 1, late: 0 });
  });

  it('counts a late answer apart from a refused one, and a reused UUID as refused', async () => {
    const srv = server();
    srv.script(
      () => ({ kind: 'rejected', code: 'no_longer_needed', message: 'enough labels' }),
      () => ({ kind: 'rejected', code: 'uuid_reused', message: 'used for another answer' }),
    );
    const ob = new Outbox(memoryStore(), srv.send);
    ob.setUser(1);
    for (const i of [1, 2, 3]) await ob.enqueueLabel(1, body(i));
    await ob.flush();
    expect(srv.got.map((e) => e.item_id)).toEqual([3]);
    expect(ob.snapshot()).toMatchObject({ pending: 0, rejected: 1, late: 1 });
  });

  it('takes a refused submit of an ended unit as done, and counts other refusals', async () => {
    expect(refusal('submit', 'assignment_ended')).toBe('done');
    expect(refusal('submit', 'not_found')).toBe('rejected');
    expect(refusal('label', 'no_longer_needed')).toBe('late');
    expect(refusal('label', 'unit_closed')).toBe('rejected');
    expect(refusal('label', 'uuid_reused')).toBe('rejected');
    const answer = (status: number, code: string) =>
      setFetch(async () => new Response(JSON.stringify({ error: { code, message: code } }), { status, headers: { 'Content-Type': 'application/json' } }));
    const submit: OutboxEntry = {
      id: 's',
      seq: 1,
      user_id: 1,
      kind: 'submit',
      assignment_id: 7,
      item_id: null,
      body: null,
      created_at: 0,
      attempts: 0,
      next_at: 0,
    };
    try {
      answer(409, 'assignment_ended');
      expect(await apiSender(submit)).toEqual({ kind: 'ok', result: null });
      answer(404, 'not_found');
      expect(await apiSender(submit)).toMatchObject({ kind: 'rejected', code: 'not_found' });
      answer(409, 'unit_closed');
      expect(await apiSender({ ...submit, kind: 'label', item_id: 3, body: body(3) })).toMatchObject({
        kind: 'rejected',
        code: 'unit_closed',
      });
    } finally {
      setFetch((...args) => fetch(...args));
    }
  });

  it('waits for a login after a 401, then resumes', async () => {
    const srv = server();
    srv.script(() => ({ kind: 'auth' }));
    const ob = new Outbox(memoryStore(), srv.send);
    ob.setUser(1);
    await ob.enqueueLabel(1, body(1));
    await ob.flush();
    expect(ob.snapshot()).toMatchObject({ pending: 1, waitingForLogin: true });
    ob.setUser(null);
    ob.setUser(1);
    await ob.flush();
    expect(srv.got).toHaveLength(1);
  });

  it('sends the submit after the unit’s labels, and whenDrained waits for both', async () => {
    const srv = server();
    srv.setDown(true);
    const ob = new Outbox(memoryStore(), srv.send);
    ob.setUser(1);
    await ob.enqueueLabel(1, body(1));
    await ob.enqueueSubmit(1, 7);
    await ob.enqueueSubmit(1, 7); // twice is once
    expect(ob.hasSubmit(7)).toBe(true);
    let drained = false;
    const d = ob.whenDrained(7).then(() => (drained = true));
    await tick();
    expect(drained).toBe(false);
    srv.setDown(false);
    ob.retryNow();
    await d;
    expect(srv.got.map((e) => e.kind)).toEqual(['label', 'submit']);
  });

  it('classifies failures and backs off up to 30 s', () => {
    expect(classify(new ApiError(0, 'network', 'x')).kind).toBe('retry');
    expect(classify(new ApiError(503, 'server', 'x')).kind).toBe('retry');
    expect(classify(new ApiError(429, 'rate_limited', 'x')).kind).toBe('retry');
    expect(classify(new ApiError(401, 'unauthenticated', 'x')).kind).toBe('auth');
    expect(classify(new ApiError(409, 'unit_closed', 'x')).kind).toBe('rejected');
    expect(classify(new ApiError(422, 'validation', 'x')).kind).toBe('rejected');
    expect(backoffMs(1, () => 0.5)).toBe(1000);
    expect(backoffMs(3, () => 0.5)).toBe(4000);
    expect(backoffMs(20, () => 0.5)).toBe(30000);
    expect(backoffMs(1, () => 0)).toBe(800);
    expect(uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
