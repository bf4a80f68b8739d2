// The expected reading time of an LLM order on the client's order form, on a 360 px phone
// (issue 27, part 4): a draft pairwise order on the demo's Chinese conversations says
// "预计每单元约 … 分钟" beside the rate, from the wage check's reading estimate, and fits.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { BASE, loginStaff, openBrowser, PHONE, shot, text } from './lib.mjs';

describe('reading time on the order form', () => {
  const open = [];
  after(async () => {
    for (const b of open) await b.close();
  });

  it('shows the time per unit of a read order, fitting a phone', async () => {
    const b = await openBrowser(PHONE, { touch: true });
    open.push(b);
    const { page, errors } = b;
    await loginStaff(page, 'client');
    await page.getByTestId('datasets').waitFor();
    // A draft on the demo's conversations, made through the API as the signed-in client.
    const id = await page.evaluate(async () => {
      const get = (u) => fetch(u, { credentials: 'same-origin' }).then((r) => r.json());
      const ds = (await get('/api/v1/datasets')).items.find((d) => d.name === '大模型回答');
      const spec = {
        name: '阅读时间',
        task_type: 'template',
        labels: [],
        template: {
          layout: 'side_by_side',
          fields: [
            { name: 'prompt', kind: 'conversation', title_zh: '问题' },
            { name: 'response_1', kind: 'markdown', title_zh: '回答 1' },
            { name: 'response_2', kind: 'markdown', title_zh: '回答 2' },
          ],
          questions: [{ key: 'better', kind: 'pairwise', title_zh: '哪个更好？', settings: { pair: ['response_1', 'response_2'] } }],
        },
        overlap: { kind: 'fixed', n: 2 },
        unit_size: 10,
        piece_rate_fen: 50,
      };
      const r = await fetch('/api/v1/orders', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ dataset_id: ds.id, spec }),
      });
      return (await r.json()).id;
    });
    assert.ok(Number.isInteger(id), `a draft: ${id}`);
    await page.goto(BASE + `/#/orders/${id}/edit`);
    await page.getByTestId('order-form').waitFor();
    const reading = page.getByTestId('wage-reading');
    await reading.waitFor({ timeout: 15_000 });
    const words = await text(reading);
    assert.match(words, /^预计每单元约 [\d.]+ (分钟|秒)（每条 [\d.]+ (秒|分钟)：读 [\d.]+ (秒|分钟)，答 4 秒；中位一条 \d+ 字、\d+ 个英文词）$/);
    assert.match(await text(page.getByTestId('wage-line')), /按数据的文字长度估算：每条约 \d+ 秒/);
    assert.ok(await reading.locator('svg').count(), 'the line has its icon');
    await reading.scrollIntoViewIfNeeded();
    const box = await page.getByTestId('wage-line').boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= PHONE.width, `the line fits: ${JSON.stringify(box)}`);
    await page.waitForLoadState('networkidle').catch(() => {});
    const w = await page.evaluate(() => document.scrollingElement.scrollWidth);
    assert.ok(w <= PHONE.width, `the page is ${w} px wide on a ${PHONE.width} px phone`);
    await shot(page, 'phone-zh-order-form-reading');
    assert.deepEqual(errors, []);
  });
});
