// Helpers for the workbench's browser tests: API sessions from node (the client's, to steer
// which orders are open and to read the exports), logging an annotator in on an enrolled
// browser, and reading what the work screen shows.

import assert from 'node:assert/strict';
import { BASE } from './lib.mjs';

/** A logged-in API session from node: `call(method, path, body)` → parsed JSON (or text). */
export async function apiSession(username, password) {
  const jar = new Map();
  const call = async (method, path, body) => {
    const r = await fetch(BASE + '/api/v1' + path, {
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
    training: '形状练习 Practice',
    single_choice: '形状单选 Main shape',
    multi_label: '形状多选 Every shape',
    bbox: '形状画框 Boxes',
    text_classification: '评价分类 Reviews',
  };
  for (const o of items)
    for (const [kind, name] of Object.entries(names)) if (o.spec.name === name) seeded[kind] = o;
  return { seeded, all: items };
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

/** Checks that the export holds exactly one label by one annotator for each item given in
 * `expected` (item id → answer or {skip}), that it is the last one given, and that this
 * annotator has no other label in the order. Returns the annotator's pseudonym. */
export function checkExactlyOnce(rows, expected) {
  const byItem = new Map(rows.map((r) => [r.item_id, r]));
  const ids = [...expected.keys()];
  // the one pseudonym present on every item we labelled
  let who = null;
  for (const id of ids) {
    const r = byItem.get(id);
    assert.ok(r, `item ${id} is in the export`);
    const names = new Set(r.labels.map((l) => l.annotator));
    who = who === null ? names : new Set([...who].filter((n) => names.has(n)));
  }
  assert.equal(who.size, 1, `one annotator labelled every item: ${[...who]}`);
  const [me] = who;
  for (const id of ids) {
    const mine = byItem.get(id).labels.filter((l) => l.annotator === me);
    assert.equal(mine.length, 1, `item ${id}: exactly one label, got ${JSON.stringify(mine)}`);
    const want = expected.get(id);
    if ('skip' in want) assert.equal(mine[0].skip, want.skip, `item ${id}`);
    else assert.deepEqual(mine[0].answer, want, `item ${id}`);
  }
  const total = rows.reduce((n, r) => n + r.labels.filter((l) => l.annotator === me).length, 0);
  assert.equal(total, ids.length, 'no other label of this annotator in the order');
  return me;
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
