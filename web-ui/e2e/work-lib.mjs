// Helpers for the workbench's browser tests: API sessions from node (the client's, to steer
// which orders are open and to read the exports), logging an annotator in on an enrolled
// browser, and reading what the work screen shows.

import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { BASE } from './lib.mjs';

/** A logged-in API session from node on the server at `base` (the tests' own by default):
 * `call(method, path, body)` → parsed JSON (or text). */
export async function apiSession(username, password, base = BASE) {
  const jar = new Map();
  const call = async (method, path, body) => {
    const r = await fetch(base + '/api/v1' + path, {
      method,
      headers: {
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    for (const c of r.headers.getSetCookie?.() ?? []) {
      const [kv] = c.split(';');
      const i = kv.indexOf('=');
      jar.set(kv.slice(0, i).trim(), kv.slice(i + 1).trim());
    }
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  };
  await call('POST', '/auth/login', { username, password });
  return call;
}

/** The demo's seeded orders (by task type) and every other order of the client. */
export async function demoOrders(client) {
  const { items } = await client('GET', '/orders');
  const seeded = {};
  // the names crates/mudou/src/demo.rs gives them
  const names = {
    training: '形状练习',
    single_choice: '形状单选',
    multi_label: '形状多选',
    bbox: '形状画框',
    text_classification: '评价分类',
  };
  for (const o of items)
    for (const [kind, name] of Object.entries(names)) if (o.spec.name === name) seeded[kind] = o;
  return { seeded, all: items };
}

/** Leaves only `order` open among the client's orders, pausing the other open ones; their
 * ids are added to `paused`, to open again after. */
export async function keepOnly(client, order, paused) {
  const { items } = await client('GET', '/orders');
  for (const x of items)
    if (x.id !== order.id && x.state === 'open') {
      await client('POST', `/orders/${x.id}/pause`);
      if (!paused.includes(x.id)) paused.push(x.id);
    }
  const o = items.find((x) => x.id === order.id);
  if (o.state === 'paused') await client('POST', `/orders/${order.id}/resume`);
}

/** The item's row in the order's JSONL export once it has a label (waits up to 20 s). */
export async function labelledRow(client, orderId, itemId) {
  let row;
  for (let i = 0; i < 40 && !row?.labels?.length; i++) {
    row = (await exportJsonl(client, orderId)).find((r) => r.item_id === itemId);
    if (!row?.labels?.length) await new Promise((r) => setTimeout(r, 500));
  }
  assert.ok(row?.labels?.length, JSON.stringify(row));
  return row;
}

/** Leaves only the demo's order of `task` open (and those of `also`: `training` is the
 * practice order), pausing the others; returns the order and a function that opens again
 * what it paused. */
export async function onlyOpen(client, task, ...also) {
  const { seeded, all } = await demoOrders(client);
  const want = seeded[task];
  assert.ok(want, `the demo seeds a ${task} order`);
  const keep = new Set([want.id, ...also.map((k) => seeded[k]?.id)]);
  const paused = [];
  for (const o of all) {
    if (keep.has(o.id)) {
      if (o.state === 'paused') await client('POST', `/orders/${o.id}/resume`);
    } else if (o.state === 'open') {
      await client('POST', `/orders/${o.id}/pause`);
      paused.push(o.id);
    }
  }
  return {
    order: want,
    orders: seeded,
    restore: async () => {
      for (const id of paused) await client('POST', `/orders/${id}/resume`).catch(() => {});
    },
  };
}

/** Enrolls the browser as a device of the demo centre, with a one-time code the lead makes
 * (the demo's own enroll link is used up by the shell tests). */
export async function enroll(page) {
  const lead = await apiSession('lead', 'mudou-lead');
  const code = await lead('POST', '/devices/codes', {});
  await page.goto(BASE + code.path);
  await page.waitForURL('**/login');
}

/** Enrolls the browser and logs `name` in with the keypad. */
export async function loginAnnotator(page, name, pin) {
  await enroll(page);
  await page.getByTestId('roster').waitFor();
  await page.getByTestId('roster-tile').filter({ hasText: name }).click();
  await page.getByTestId('pin-pane').waitFor();
  for (const d of pin) await page.locator(`.keypad [data-key="${d}"]`).click();
  await page.locator('.keypad [data-key="ok"]').click();
  await page.getByTestId('greeting').waitFor();
}

/** In the annotator's own session: hands back a live unit that is not of order `orderId` (one
 * the shell tests may have left), so Start brings the order this test wants. */
export async function returnOtherUnits(page, orderId) {
  for (let i = 0; i < 5; i++) {
    const res = await page.evaluate(async () => (await fetch('/api/v1/work/next', { credentials: 'same-origin' })).json());
    if (res.status !== 'assigned' || res.assignment.order.id === orderId) return res;
    await page.evaluate(
      async (id) => fetch(`/api/v1/work/assignments/${id}/return`, { method: 'POST', credentials: 'same-origin' }),
      res.assignment.id,
    );
  }
  throw new Error('could not get rid of other units');
}

/** The item on screen: its id and its position in the unit. */
export async function shownItem(page) {
  const w = page.getByTestId('work');
  await w.waitFor();
  return { id: Number(await w.getAttribute('data-item-id')), index: Number(await w.getAttribute('data-index')) };
}

/** Waits until the work screen shows another item than `id` (or the unit is done). */
export async function waitNextItem(page, id) {
  await page.waitForFunction(
    (old) => {
      const w = document.querySelector('[data-testid=work]');
      return !w || Number(w.getAttribute('data-item-id')) !== old;
    },
    id,
  );
}

/** The order's JSONL export, as the client sees it: one object per item. */
export async function exportJsonl(client, orderId) {
  const text = await client('GET', `/orders/${orderId}/export?format=jsonl`);
  return String(text)
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/** Checks the export for the labels one annotator gave (`expected`: item id → answer, or
 * {skip}): nobody has two labels on any of these items, and some annotator has exactly these
 * answers, one per item, and no other label in the order. (Another annotator may share the
 * unit — overlap — so the one whose answers these are is found by them.) Returns that
 * annotator's pseudonym. */
export function checkExactlyOnce(rows, expected) {
  const byItem = new Map(rows.map((r) => [r.item_id, r]));
  const ids = [...expected.keys()];
  let candidates = null;
  for (const id of ids) {
    const r = byItem.get(id);
    assert.ok(r, `item ${id} is in the export`);
    const names = r.labels.map((l) => l.annotator);
    assert.equal(new Set(names).size, names.length, `item ${id}: one label per annotator, got ${JSON.stringify(r.labels)}`);
    candidates = candidates === null ? new Set(names) : new Set([...candidates].filter((n) => names.includes(n)));
  }
  const same = (l, want) => ('skip' in want ? l.skip === want.skip : isDeepStrictEqual(l.answer, want));
  const total = (who) => rows.reduce((n, r) => n + r.labels.filter((l) => l.annotator === who).length, 0);
  const mine = [...candidates].filter(
    (who) => ids.every((id) => same(byItem.get(id).labels.find((l) => l.annotator === who), expected.get(id))) && total(who) === ids.length,
  );
  assert.ok(
    mine.length >= 1,
    `some annotator has exactly the answers given, once each: ${JSON.stringify(
      ids.map((id) => ({ id, want: expected.get(id), got: byItem.get(id).labels })),
    )}`,
  );
  return mine[0];
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
}

/** Presses Start and waits for the work screen (failing with the reason when there is none). */
export async function startWork(page) {
  await page.getByTestId('start').click();
  await page.getByTestId('work').or(page.getByTestId('no-work')).first().waitFor();
  if (await page.getByTestId('no-work').count())
    throw new Error(`no work: ${await page.getByTestId('no-work').getAttribute('data-reason')}`);
}
