// Medical imaging (issue 31) in Chromium, on the demo's 脑动脉瘤 order: the CT series of
// `datasets/medical` (16 slices, its identifying values removed on the way in) and pydicom's
// MR. At 1366 px 林影 scrolls the CT to slice 8 in the viewer, marks the bright spot, chooses
// 大脑中动脉 (MCA) and submits; on the MR she answers "没有发现". On a 360 px touch phone 何思
// taps the same spot with her finger and chooses 颈内动脉 (ICA), and also finds nothing on the
// MR. The MR settles; the CT's locations disagree, so it goes to the expert tier: 周专家 opens
// it from her home card, sees both annotators' findings, marks the spot as MCA and makes it
// final. Then the client's findings export has the one finding on slice 8 (index 7), settled
// by the expert, with the client's own (pydicom-made) series UID, in voxels and millimetres.
// Last, the client builds a finding order of her own on the CT dataset with the template
// builder (which starts from the dataset's series field) and the server takes it.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BASE, LAPTOP, PHONE, loginStaff, openBrowser, shot } from './lib.mjs';
import { apiSession, keepOnly, loginAnnotator, shownItem, startWork } from './work-lib.mjs';

let client;
let order;
let ct;
let mr;
const browsers = [];
const paused = [];

before(async () => {
  client = await apiSession('client', 'mudou-client');
  const { items } = await client('GET', '/orders');
  order = items.find((o) => o.spec.name === '脑动脉瘤');
  assert.ok(order, 'the demo seeds 脑动脉瘤');
  assert.equal(order.spec.medical.expert_rate_fen, 400);
  const dataset = await client('GET', `/datasets/${order.dataset_id}/items`);
  const series = dataset.items.map((i) => ({ id: i.id, field: i.fields[0] }));
  ct = series.find((s) => s.field.volume.slices === 16);
  mr = series.find((s) => s.field.volume.slices === 10);
  assert.ok(ct && mr, JSON.stringify(series));
  assert.ok(!JSON.stringify(dataset).includes('WANG^XIAOMING'), 'no identifying value in the dataset');
  await keepOnly(client, order, paused);
});
after(async () => {
  for (const b of browsers) await b.close();
  for (const id of paused) await client('POST', `/orders/${id}/resume`).catch(() => {});
});

/** The viewer's slice, by its buttons, to `z` (0-based). */
async function toSlice(page, z) {
  const v = page.getByTestId('finding-editor').getByTestId('finding-viewer');
  await v.waitFor();
  for (let i = 0; i < 40; i++) {
    const now = Number(await v.getAttribute('data-z'));
    if (now === z) return;
    await v.getByTestId(now < z ? 'vw-next' : 'vw-prev').click();
  }
  throw new Error(`the viewer did not reach slice ${z}`);
}

/** Where voxel (x, y) of a `cols` × `rows` slice is on the screen. */
async function spot(page, x, y, cols, rows) {
  const c = page.getByTestId('finding-editor').getByTestId('vw-canvas');
  const b = await c.boundingBox();
  return { x: b.x + ((x + 0.5) / cols) * b.width, y: b.y + ((y + 0.5) / rows) * b.height };
}

/** Labels the two items of the annotator's units: the CT with one finding at the spot, the MR
 * with none. */
async function labelBoth(page, location, touch) {
  await startWork(page);
  const seen = new Set();
  for (let n = 0; n < 2; n++) {
    const { id } = await shownItem(page);
    assert.ok(!seen.has(id));
    seen.add(id);
    const editor = page.getByTestId('finding-editor');
    await editor.waitFor();
    await editor.getByTestId('vw-canvas').waitFor();
    if (id === ct.id) {
      await toSlice(page, 7);
      await page.getByTestId('vw-loading').waitFor({ state: 'detached' }).catch(() => {});
      const p = await spot(page, 52, 70, 128, 128);
      if (touch) await page.touchscreen.tap(p.x, p.y);
      else await page.mouse.click(p.x, p.y);
      await editor.getByTestId('fd-marker').first().waitFor();
      await editor.locator(`[data-testid="fd-opt"][data-attr="location"][data-key="${location}"]`).click();
      await shot(page, `medical-${touch ? 'phone' : 'laptop'}-finding`);
    } else {
      assert.equal(id, mr.id);
      await editor.getByTestId('fd-none').click();
    }
    await page.getByTestId('q-submit').click();
    await page
      .waitForFunction((was) => document.querySelector('[data-testid="work"]')?.getAttribute('data-item-id') !== String(was), id, { timeout: 15_000 })
      .catch(() => {});
  }
  assert.deepEqual([...seen].sort(), [ct.id, mr.id].sort());
}

/** Waits for the item's state in the order's results. */
async function state(itemId, want) {
  for (let i = 0; i < 60; i++) {
    const r = await client('GET', `/orders/${order.id}/results?state=${want}`);
    if (r.items.some((x) => x.item_id === itemId)) return;
    await new Promise((res) => setTimeout(res, 500));
  }
  throw new Error(`item ${itemId} never ${want}`);
}

describe('medical series: findings, the expert, the export', () => {
  it('two annotators mark the CT (mouse and finger), the MR settles empty', async () => {
    const a = await openBrowser(LAPTOP);
    browsers.push(a);
    await loginAnnotator(a.page, '林影', '7777');
    await labelBoth(a.page, 'mca', false);
    const b = await openBrowser(PHONE, { touch: true });
    browsers.push(b);
    await loginAnnotator(b.page, '何思', '8888');
    await labelBoth(b.page, 'ica', true);
    await state(mr.id, 'resolved');
    await state(ct.id, 'escalated');
    assert.deepEqual(a.errors, []);
    assert.deepEqual(b.errors, []);
  });

  it('the expert settles the CT from her home card; the export has her finding', async () => {
    const e = await openBrowser(LAPTOP);
    browsers.push(e);
    const page = e.page;
    await loginAnnotator(page, '周专家', '9090');
    await page.getByTestId('expert-card').click();
    await page.getByTestId('expert-item').first().click();
    const kase = page.getByTestId('ladder-case');
    await kase.waitFor();
    // Both annotators' findings are shown (A and B).
    await kase.getByTestId('fd-review').or(kase.locator('.fd-review')).first().waitFor().catch(() => {});
    const editor = page.getByTestId('finding-editor');
    await editor.waitFor();
    await toSlice(page, 7);
    const p = await spot(page, 52, 70, 128, 128);
    await page.mouse.click(p.x, p.y);
    await editor.getByTestId('fd-marker').first().waitFor();
    await editor.locator('[data-testid="fd-opt"][data-attr="location"][data-key="mca"]').click();
    await shot(page, 'medical-expert');
    await page.getByTestId('q-submit').click();
    await state(ct.id, 'resolved');
    assert.deepEqual(e.errors, []);

    const out = await client('GET', `/orders/${order.id}/export?format=findings`);
    assert.equal(out.findings.length, 1, JSON.stringify(out));
    const f = out.findings[0];
    assert.equal(f.item_id, ct.id);
    assert.equal(f.settled_by, 'expert');
    assert.equal(f.slice, 7);
    assert.equal(f.attrs.location, 'mca');
    assert.ok(Math.abs(f.voxel[0] - 52.5) <= 1.5 && Math.abs(f.voxel[1] - 70.5) <= 1.5, JSON.stringify(f));
    // The client's own UIDs (pydicom's), not the de-identified 2.25.… ones.
    assert.match(f.series_uid, /^1\.2\.826\.0\.1\.3680043\.8\.498\./);
    const g = ct.field.volume;
    const want = g.origin[2] + 7 * g.slice_step;
    assert.ok(Math.abs(f.patient_mm[2] - want) < 1e-6, JSON.stringify(f));
  });

  it('the client builds a finding order on the CT dataset and the server takes it', async () => {
    const b = await openBrowser(LAPTOP);
    browsers.push(b);
    const { page } = b;
    await loginStaff(page, 'client');
    await page.getByTestId('datasets').waitFor();
    await page.goto(`${BASE}/#/orders/new?dataset=${order.dataset_id}`);
    const form = page.getByTestId('order-form');
    await form.waitFor();
    await form.locator('input[name=order_name]').fill('动脉瘤 自建');
    await form.locator('input[name=task_type][value=template]').check();
    await page.getByTestId('template-builder').waitFor();
    // The builder starts from the dataset: its series field and a finding question on it,
    // and the preview is the workbench's viewer on the series.
    await page.waitForFunction(() => document.querySelector('input[name=tb_field_name_0]')?.value === 'series');
    const q = page.locator('[data-testid=tb-question][data-index="0"]');
    assert.equal(await q.getByTestId('tb-kind').inputValue(), 'finding');
    await page.getByTestId('tb-preview').getByTestId('finding-viewer').waitFor();
    await form.locator('input[name=tbq0_title_zh]').fill('标出动脉瘤');
    await q.getByTestId('tb-add-attribute').click();
    await form.locator('input[name=tbq0_attr0_zh]').fill('位置');
    await form.locator('input[name=tbq0_attr0_en]').fill('Location');
    await form.locator('input[name=tbq0_attr0_key]').fill('location');
    await form.locator('input[name=tbq0_attr0_required]').check();
    const rows = q.getByTestId('tb-attr-option');
    while ((await rows.count()) < 2) await q.getByTestId('tb-attr-add-option').click();
    for (const [j, zh, en, key] of [
      [0, '颈内动脉', 'ICA', 'ica'],
      [1, '大脑中动脉', 'MCA', 'mca'],
    ]) {
      await form.locator(`input[name=tbq0_attr0_opt_zh_${j}]`).fill(zh);
      await form.locator(`input[name=tbq0_attr0_opt_en_${j}]`).fill(en);
      await form.locator(`input[name=tbq0_attr0_opt_key_${j}]`).fill(key);
    }
    await form.locator('input[name=tbq0_outline]').check();
    await form.locator('input[name=tbq0_match_mm]').fill('4');
    await shot(page, 'medical-builder');
    await page.getByTestId('save-order').click();
    await page.waitForURL(/#\/orders\/\d+$/);
    const id = Number(page.url().split('/').pop());
    const saved = await client('GET', `/orders/${id}`);
    const question = saved.spec.template.questions[0];
    assert.deepEqual(saved.spec.template.fields.map((f) => [f.name, f.kind]), [['series', 'series']]);
    assert.equal(question.kind, 'finding');
    assert.equal(question.field, 'series');
    assert.equal(question.settings.match_mm, 4);
    assert.equal(question.settings.outline, true);
    assert.deepEqual(question.settings.attributes[0].options.map((o) => o.key), ['ica', 'mca']);
    assert.equal(question.settings.attributes[0].required, true);
    // A finding order is a medical one: only annotators with the qualification get it.
    assert.equal(saved.spec.required_qualification, 'medical');
    await client('POST', `/orders/${id}/cancel`).catch(() => {});
    assert.deepEqual(b.errors, []);
  });
});
