// A box order's results show the boxes on the thumbnails, against the real server (`mudou
// demo`): two annotators answer the same items of the demo's box order (形状画框, two people an
// item) with the same box through the API, so the items are resolved with that box; then the
// client opens the order and each resolved item's thumbnail has the box drawn over it, where the
// box is on the picture. At 1366 px and at 360 px with touch, zh-CN.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BASE, LAPTOP, loginStaff, openBrowser, PHONE, shot } from './lib.mjs';
import { apiSession, loginAnnotator, onlyOpen, returnOtherUnits } from './work-lib.mjs';

/** The box every annotator draws: a fifth in from the left and top, half wide, 0.4 high. */
const place = (w, h) => ({ x: Math.round(w * 0.2), y: Math.round(h * 0.2), w: Math.round(w * 0.5), h: Math.round(h * 0.4) });

/** In the annotator's page: answers every item of the unit with the box, then submits it. */
async function answerUnit(page, unit, label) {
  const items = unit.items.map((it) => ({ id: it.item_id, box: { label, ...place(it.width, it.height) } }));
  await page.evaluate(
    async ({ aid, items }) => {
      const post = async (path, body) => {
        const r = await fetch('/api/v1' + path, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body ?? {}),
        });
        if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      };
      for (const it of items)
        await post('/work/labels', {
          client_uuid: crypto.randomUUID(),
          assignment_id: aid,
          item_id: it.id,
          duration_ms: 6000,
          answer: { boxes: [it.box] },
        });
      await post(`/work/assignments/${aid}/submit`);
    },
    { aid: unit.id, items },
  );
  return items.map((i) => i.id);
}

async function nextUnit(page) {
  return page.evaluate(async () => (await (await fetch('/api/v1/work/next')).json()).assignment ?? null);
}

describe('box results on the thumbnails', () => {
  let client;
  let people = [];
  let restore = async () => {};
  let orderId = 0;
  let resolved = [];
  before(async () => {
    client = await apiSession('client', 'mudou-client');
    const only = await onlyOpen(client, 'bbox');
    restore = only.restore;
    orderId = only.order.id;
    const label = only.order.spec.labels[0].key;
    // two annotators, each on their own device
    for (const [name, pin] of [
      ['刘静', '4444'],
      ['陈杰', '5555'],
    ]) {
      const b = await openBrowser(LAPTOP);
      await loginAnnotator(b.page, name, pin);
      people.push(b);
    }
    // each answers the units the order gives them until some items have both answers
    const done = [new Set(), new Set()];
    for (let round = 0; round < 6 && resolved.length === 0; round++) {
      for (let p = 0; p < 2; p++) {
        const unit = (await returnOtherUnits(people[p].page, orderId)).assignment ?? (await nextUnit(people[p].page));
        assert.ok(unit && unit.order.id === orderId, `round ${round}: a unit of the box order for annotator ${p}`);
        for (const id of await answerUnit(people[p].page, unit, label)) done[p].add(id);
      }
      const r = await client('GET', `/orders/${orderId}/results?limit=100&after=0&state=resolved`);
      resolved = r.items.filter((it) => it.answer && Array.isArray(it.answer.boxes) && it.answer.boxes.length > 0);
    }
    assert.ok(resolved.length > 0, 'some items of the box order are resolved with a box');
  });
  after(async () => {
    await restore();
    for (const b of people) await b.close();
  });

  for (const size of [
    { name: 'laptop', viewport: LAPTOP, touch: false },
    { name: 'phone', viewport: PHONE, touch: true },
  ]) {
    it(`the client sees each resolved item's box over its thumbnail (${size.name})`, async () => {
      const b = await openBrowser(size.viewport, { touch: size.touch });
      try {
        const { page, errors } = b;
        await loginStaff(page, 'client');
        await page.getByTestId('datasets').waitFor();
        await page.goto(`${BASE}/#/orders/${orderId}`);
        await page.getByTestId('results').waitFor();
        await page.getByTestId('result-item').first().waitFor({ timeout: 30_000 });
        for (const it of resolved) {
          const card = page.locator(`[data-testid=result-item][data-item="${it.item_id}"]`);
          await card.scrollIntoViewIfNeeded();
          const img = card.locator('.result-thumb img');
          await img.evaluate((el) => (el.complete && el.naturalWidth ? null : new Promise((ok) => el.addEventListener('load', ok, { once: true }))));
          const rects = card.getByTestId('result-box');
          assert.equal(await rects.count(), it.answer.boxes.length, `item ${it.item_id}: one rectangle per box`);
          const geo = await card.evaluate((el) => {
            const r = (x) => x.getBoundingClientRect();
            const im = el.querySelector('.result-thumb img');
            const fit = getComputedStyle(im).objectFit;
            return {
              img: r(im).toJSON(),
              fit,
              svg: r(el.querySelector('[data-testid=result-boxes]')).toJSON(),
              box: r(el.querySelector('[data-testid=result-box]')).toJSON(),
            };
          });
          // the drawing lies over the thumbnail…
          const near = (a, e, what) => assert.ok(Math.abs(a - e) <= 2.5, `item ${it.item_id}: ${what} ${a.toFixed(1)}, expected ${e.toFixed(1)} (${JSON.stringify(geo)})`);
          near(geo.svg.left, geo.img.left, 'drawing left');
          near(geo.svg.top, geo.img.top, 'drawing top');
          near(geo.svg.width, geo.img.width, 'drawing width');
          near(geo.svg.height, geo.img.height, 'drawing height');
          // …and the box is where it is on the picture (the picture drawn contained, centred)
          const W = it.width;
          const H = it.height;
          const s = geo.fit === 'cover' ? Math.max(geo.img.width / W, geo.img.height / H) : Math.min(geo.img.width / W, geo.img.height / H);
          const ox = geo.img.left + (geo.img.width - W * s) / 2;
          const oy = geo.img.top + (geo.img.height - H * s) / 2;
          const want = it.answer.boxes[0];
          near(geo.box.left, ox + want.x * s, 'box left');
          near(geo.box.top, oy + want.y * s, 'box top');
          near(geo.box.width, want.w * s, 'box width');
          near(geo.box.height, want.h * s, 'box height');
          assert.ok(geo.box.width >= 10 && geo.box.height >= 10, `item ${it.item_id}: the box is visible (${geo.box.width}×${geo.box.height})`);
          assert.ok(
            geo.box.left >= geo.img.left - 0.5 && geo.box.right <= geo.img.right + 0.5 && geo.box.top >= geo.img.top - 0.5 && geo.box.bottom <= geo.img.bottom + 0.5,
            `item ${it.item_id}: the box lies within the thumbnail`,
          );
          // the box the annotators drew
          assert.deepEqual(
            [want.x, want.y, want.w, want.h],
            Object.values(place(W, H)),
            `item ${it.item_id}: the resolved box is the one drawn`,
          );
        }
        await page.locator(`[data-testid=result-item][data-item="${resolved[0].item_id}"]`).scrollIntoViewIfNeeded();
        await shot(page, `${size.name}-zh-client-box-results`);
        assert.deepEqual(errors, []);
      } finally {
        await b.close();
      }
    });
  }
});
