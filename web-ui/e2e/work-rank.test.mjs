// Ranking (issue 27): the client publishes a template order over prompt / response_1..3 with a
// `ranking` question (overlap 2); 张丽 ranks an item by taps at 360 px (each tap numbers the
// card, a second tap takes it back) and 刘静 ranks the same item by number keys at 1366 px
// (Ctrl+Z undoes one); the item's agreed ranking is in the export.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BASE, LAPTOP, PHONE, openBrowser, shot } from './lib.mjs';
import { apiSession, exportJsonl, loginAnnotator, returnOtherUnits, shownItem, startWork, waitNextItem } from './work-lib.mjs';

const stamp = Date.now().toString(36);
let client;
let order;
const paused = [];

/** Uploads a conversations JSONL as the client (multipart, from node). */
async function upload(dataset, name, body) {
  const login = await fetch(BASE + '/api/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'client', password: 'mudou-client' }),
  });
  const cookie = (login.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
  const form = new FormData();
  form.append('conversations', new Blob([body], { type: 'application/x-ndjson' }), name);
  const r = await fetch(`${BASE}/api/v1/datasets/${dataset}/files`, { method: 'POST', headers: { cookie }, body: form });
  const body2 = await r.text();
  assert.equal(r.status, 200, body2);
  return JSON.parse(body2);
}

before(async () => {
  client = await apiSession('client', 'mudou-client');
  const ds = await client('POST', '/datasets', { name: `排序 ${stamp}` });
  const rows = [1, 2, 3].map((i) => ({ id: `rank-e2e-${i}-${stamp}`, prompt: `第 ${i} 题：1 + ${i} 等于几？`, responses: [{ text: `**${1 + i}**`, model: 'qwen2-7b' }, `是 ${1 + i}。`, '不知道'] }));
  const got = await upload(ds.id, 'three.jsonl', rows.map((r) => JSON.stringify(r)).join('\n'));
  assert.equal(got.accepted, 3, JSON.stringify(got));
  const spec = {
    name: `排序回答 ${stamp}`,
    task_type: 'template',
    labels: [],
    template: {
      layout: 'side_by_side',
      fields: [
        { name: 'prompt', kind: 'conversation', title_zh: '问题' },
        { name: 'response_1', kind: 'markdown', title_zh: '回答 1' },
        { name: 'response_2', kind: 'markdown', title_zh: '回答 2' },
        { name: 'response_3', kind: 'markdown', title_zh: '回答 3' },
      ],
      questions: [{ key: 'rank', kind: 'ranking', title_zh: '从好到差排序', title_en: 'Rank best first', settings: { rank: ['response_1', 'response_2', 'response_3'] } }],
    },
    overlap: { kind: 'fixed', n: 2 },
    unit_size: 3,
    piece_rate_fen: 30,
    max_gold_items: 0,
  };
  order = await client('POST', '/orders', { dataset_id: ds.id, spec });
  await client('POST', `/orders/${order.id}/publish`, {});
  const { items } = await client('GET', '/orders');
  for (const x of items)
    if (x.id !== order.id && x.state === 'open') {
      await client('POST', `/orders/${x.id}/pause`);
      paused.push(x.id);
    }
});
after(async () => {
  for (const id of paused) await client('POST', `/orders/${id}/resume`).catch(() => {});
});

const ranks = (page) =>
  page.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-testid=rank-card]')].map((c) => [c.dataset.field, c.dataset.rank])));

let ranked;

describe('ranking responses', () => {
  it('张丽 ranks by taps at 360 px', async () => {
    const b = await openBrowser(PHONE);
    try {
      const { page } = b;
      await loginAnnotator(page, '张丽', '3333');
      await returnOtherUnits(page, order.id);
      await startWork(page);
      await page.getByTestId('template-form').waitFor();
      assert.equal(await page.getByTestId('template-form').getAttribute('data-narrow'), 'true');
      const { id } = await shownItem(page);
      ranked = id;
      const card = (f) => page.locator(`[data-testid=rank-card][data-field=${f}]`);
      await card('response_3').waitFor();
      const box = await card('response_1').boundingBox();
      assert.ok(box.height >= 48 && box.width <= PHONE.width, `a big target that fits: ${JSON.stringify(box)}`);
      await card('response_2').click();
      await card('response_3').click();
      assert.deepEqual(await ranks(page), { response_2: '1', response_3: '2', response_1: '' });
      await card('response_3').click(); // take back
      assert.deepEqual(await ranks(page), { response_2: '1', response_1: '', response_3: '' });
      await card('response_1').click();
      await card('response_3').click();
      assert.deepEqual(await ranks(page), { response_2: '1', response_1: '2', response_3: '3' });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
      assert.ok(overflow, 'no sideways scroll at 360 px');
      await shot(page, 'phone-zh-work-rank');
      // the phone steps through questions: the last one gives
      await page.getByTestId('q-submit').click();
      await waitNextItem(page, id);
      await page.getByTestId('pending-badge').waitFor({ state: 'detached', timeout: 20_000 });
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
  });

  it('刘静 ranks the same item by keys at 1366 px; the agreed ranking is exported', async () => {
    assert.ok(ranked, 'the item of the test before');
    const b = await openBrowser(LAPTOP);
    try {
      const { page } = b;
      await loginAnnotator(page, '刘静', '4444');
      await returnOtherUnits(page, order.id);
      await startWork(page);
      await page.getByTestId('template-form').waitFor();
      assert.equal(await page.getByTestId('template-form').getAttribute('data-narrow'), 'false');
      // to the item 张丽 ranked (the unit is the same, maybe in another order)
      for (let i = 0; i < 3; i++) {
        const { id } = await shownItem(page);
        await page.locator('[data-testid=rank-card]').first().waitFor();
        if (id === ranked) break;
        await page.keyboard.press('1');
        await page.keyboard.press('2');
        await page.keyboard.press('3');
        await page.keyboard.press('Enter');
        await waitNextItem(page, id);
      }
      assert.equal((await shownItem(page)).id, ranked);
      await page.keyboard.press('2');
      await page.keyboard.press('3');
      await page.keyboard.press('Control+z');
      assert.deepEqual(await ranks(page), { response_2: '1', response_1: '', response_3: '' });
      await page.keyboard.press('1');
      await page.keyboard.press('3');
      assert.deepEqual(await ranks(page), { response_2: '1', response_1: '2', response_3: '3' });
      await shot(page, 'laptop-zh-work-rank');
      await page.keyboard.press('Enter');
      await waitNextItem(page, ranked);
      await page.getByTestId('pending-badge').waitFor({ state: 'detached', timeout: 20_000 });
      let row;
      for (let i = 0; i < 40 && row?.labels?.length !== 2; i++) {
        row = (await exportJsonl(client, order.id)).find((r) => r.item_id === ranked);
        if (row?.labels?.length !== 2) await new Promise((r) => setTimeout(r, 500));
      }
      assert.equal(row.labels.length, 2, JSON.stringify(row));
      const want = { order: [['response_2'], ['response_1'], ['response_3']] };
      for (const l of row.labels) assert.deepEqual(l.answer.rank, want);
      assert.equal(row.state, 'resolved', JSON.stringify(row));
      assert.deepEqual(row.answer.rank, want);
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
  });
});
