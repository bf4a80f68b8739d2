// LLM items (issue 27, item 1): the client uploads a small conversations JSONL through the
// dataset page (a bad line refused with its number, the rest taken), publishes a template order
// over prompt / response_1 / response_2 with a choice "哪个更好", and an annotator sees the
// conversation over the two answers drawn as Markdown: side by side and scrolling together at
// 1366 px, stacked without any sideways overflow at 360 px; nothing of the data's HTML or
// script runs (no CSP violation either); the label given is in the export.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { BASE, LAPTOP, PHONE, SCREENS, openBrowser, shot, text } from './lib.mjs';
import { apiSession, exportJsonl, loginAnnotator, returnOtherUnits, shownItem, startWork, waitNextItem } from './work-lib.mjs';

const stamp = Date.now().toString(36);
let client;
let datasetId;
let order;
const paused = [];

const long = (who) => Array.from({ length: 60 }, (_, i) => `${who} 的第 ${i + 1} 段：先说结论，再讲理由，最后给出例子。`).join('\n\n');
const wideTable =
  '| ' + Array.from({ length: 12 }, (_, i) => `列${i + 1}`).join(' | ') + ' |\n|' + ' --- |'.repeat(12) + '\n| ' + Array.from({ length: 12 }, (_, i) => `数值${i * 1000}`).join(' | ') + ' |';
const code = '```python\nresult = [x * x for x in range(100) if x % 3 == 0]  # ' + '很长的一行代码'.repeat(12) + '\nprint(result)\n```';
const evil = '<script>window.__pwned = 2</script>\n\n<img src=x onerror="window.__pwned = 1">\n\n[点这里](javascript:window.__pwned=3)';

function jsonl() {
  const a = `## 做法 A\n\n${wideTable}\n\n${code}\n\n${evil}\n\n${long('A')}`;
  const b = `**做法 B** 更简单。\n\n- 第一步\n- 第二步\n\n${long('B')}`;
  const rows = [
    { id: `llm-e2e-1-${stamp}`, system: '你是一个耐心的助手。', prompt: `比较两种做法 <img src=x onerror="window.__pwned = 4">`, responses: [{ text: a, model: 'qwen2-7b' }, { text: b, model: 'glm-4' }], preferred: 1 },
    { id: `llm-e2e-2-${stamp}`, messages: [{ role: 'user', content: '你好' }, { role: 'assistant', content: '你好！' }, { role: 'user', content: '写一段介绍。' }], response_a: a, response_b: b, model_a: 'm1', model_b: 'm2' },
    { id: `llm-e2e-3-${stamp}`, prompt: '哪个更清楚？', chosen: a, rejected: b },
  ];
  return rows.map((r) => JSON.stringify(r)).join('\n') + '\n["not", "an object"]\n';
}

before(async () => {
  client = await apiSession('client', 'mudou-client');
});
after(async () => {
  for (const id of paused) await client('POST', `/orders/${id}/resume`).catch(() => {});
});

describe('LLM items', () => {
  it('the client uploads conversations on the dataset page; a bad line is refused with its number', async () => {
    const b = await openBrowser(LAPTOP);
    try {
      const { page } = b;
      await page.goto(BASE + '/login');
      await page.locator('input[name=username]').fill('client');
      await page.locator('input[name=password]').fill('mudou-client');
      await page.getByTestId('sign-in').click();
      await page.getByTestId('datasets').waitFor();
      await page.locator('input[name=dataset_name]').fill(`大模型 ${stamp}`);
      await page.getByTestId('create-dataset').click();
      await page.waitForURL(/#\/datasets\/\d+$/);
      datasetId = Number(page.url().match(/#\/datasets\/(\d+)$/)[1]);
      // which part each file goes in
      await page.evaluate(() => {
        window.__parts = [];
        const append = FormData.prototype.append;
        FormData.prototype.append = function (name, value, file) {
          window.__parts.push([name, file]);
          return append.call(this, name, value, file);
        };
      });
      await page.getByTestId('file-input').setInputFiles({ name: 'pairs.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(jsonl()) });
      await page.getByTestId('upload-start').click();
      await page.getByTestId('outcome').waitFor({ timeout: 60_000 });
      assert.deepEqual(await page.evaluate(() => window.__parts), [['conversations', 'pairs.jsonl']], 'a conversations JSONL goes in the `conversations` part');
      assert.equal(await text(page.getByTestId('n-accepted')), '收下 3');
      assert.equal(await text(page.getByTestId('n-rejected')), '拒收 1');
      const rejected = page.locator('[data-testid=outcome-row][data-status=rejected]');
      assert.match(await text(rejected), /pairs\.jsonl:4/);
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }

    const spec = {
      name: `哪个回答更好 ${stamp}`,
      task_type: 'template',
      labels: [],
      template: {
        layout: 'side_by_side',
        fields: [
          { name: 'prompt', kind: 'conversation', title_zh: '问题' },
          { name: 'response_1', kind: 'markdown', title_zh: '回答 A' },
          { name: 'response_2', kind: 'markdown', title_zh: '回答 B' },
        ],
        questions: [
          {
            key: 'better',
            kind: 'choice',
            title_zh: '哪个更好',
            title_en: 'Which is better',
            options: [
              { key: 'a', name_zh: 'A 更好', name_en: 'A', hotkey: '1' },
              { key: 'b', name_zh: 'B 更好', name_en: 'B', hotkey: '2' },
              { key: 'tie', name_zh: '一样', name_en: 'Tie', hotkey: '3' },
            ],
          },
        ],
      },
      overlap: { kind: 'fixed', n: 1 },
      unit_size: 3,
      piece_rate_fen: 60,
      max_gold_items: 0,
    };
    order = await client('POST', '/orders', { dataset_id: datasetId, spec });
    await client('POST', `/orders/${order.id}/publish`, {});
    const { items } = await client('GET', '/orders');
    for (const x of items)
      if (x.id !== order.id && x.state === 'open') {
        await client('POST', `/orders/${x.id}/pause`);
        paused.push(x.id);
      }
  });

  it('陈杰 sees the answers side by side at 1366 px, scrolling together, then stacked at 360 px, and labels one', async () => {
    assert.ok(order, 'the order of the test before');
    const b = await openBrowser(LAPTOP);
    try {
      const { page } = b;
      await loginAnnotator(page, '陈杰', '5555');
      await returnOtherUnits(page, order.id);
      await startWork(page);
      const form = page.getByTestId('template-form');
      await form.waitFor();
      assert.equal(await form.getAttribute('data-narrow'), 'false');
      const { id } = await shownItem(page);
      const r1 = page.locator('[data-testid=tpl-field][data-field=response_1]');
      const r2 = page.locator('[data-testid=tpl-field][data-field=response_2]');
      await r1.locator('[data-md=ready]').waitFor();
      await r2.locator('[data-md=ready]').waitFor();
      // the conversation: turns with icons, the last one the user's
      const turns = page.locator('[data-testid=tpl-field][data-field=prompt] [data-testid=chat-turn]');
      assert.ok((await turns.count()) >= 1);
      assert.equal(await turns.last().getAttribute('data-role'), 'user');
      assert.equal(await turns.last().locator('.chat-who svg').count(), 1);
      // Markdown drawn: a table in its sideways box, a code block; the data's HTML as words
      const withTable = page.locator('[data-testid=llm-pair] .md-table table');
      await withTable.first().waitFor();
      assert.ok((await page.locator('[data-testid=llm-pair] pre code').count()) >= 1);
      assert.equal(await page.locator('[data-testid=tpl-fields] img, [data-testid=tpl-fields] script').count(), 0);
      assert.equal(await page.locator('[data-testid=tpl-fields] a[href^="javascript"]').count(), 0);
      assert.match(await text(page.locator('[data-testid=llm-pair]')), /<script>window.__pwned = 2<\/script>/);
      assert.equal(await page.evaluate(() => window.__pwned), undefined);
      // side by side: the same top, B to the right of A, each wide enough to read
      const [a, bb] = [await r1.boundingBox(), await r2.boundingBox()];
      assert.ok(Math.abs(a.y - bb.y) < 2, `same top: ${a.y} vs ${bb.y}`);
      assert.ok(bb.x >= a.x + a.width - 1, `B right of A: ${JSON.stringify([a, bb])}`);
      assert.ok(a.width > 300 && bb.width > 300, `widths ${a.width}, ${bb.width}`);
      // scrolling A halfway scrolls B halfway (each by its own length)
      const s1 = r1.getByTestId('md-scroll');
      const s2 = r2.getByTestId('md-scroll');
      const range = (l) => l.evaluate((el) => el.scrollHeight - el.clientHeight);
      assert.ok((await range(s1)) > 200 && (await range(s2)) > 200, 'both answers scroll');
      await s1.evaluate((el) => (el.scrollTop = (el.scrollHeight - el.clientHeight) / 2));
      await page.waitForFunction(() => {
        const [x, y] = [...document.querySelectorAll('[data-testid=md-scroll]')];
        const share = (el) => el.scrollTop / (el.scrollHeight - el.clientHeight);
        return Math.abs(share(y) - 0.5) < 0.05 && Math.abs(share(x) - 0.5) < 0.05;
      });
      // and the other way
      await s2.evaluate((el) => (el.scrollTop = el.scrollHeight));
      await page.waitForFunction(() => {
        const x = document.querySelector('[data-testid=md-scroll]');
        return x.scrollTop / (x.scrollHeight - x.clientHeight) > 0.95;
      });
      await s1.evaluate((el) => (el.scrollTop = 0));
      await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=md-scroll]')].every((el) => el.scrollTop < 5));
      await page.screenshot({ path: join(SCREENS, 'laptop-zh-work-llm.png') });

      // a phone: stacked, readable, nothing wider than the screen
      await page.setViewportSize(PHONE);
      await page.waitForFunction(() => document.querySelector('[data-testid=template-form]')?.getAttribute('data-narrow') === 'true');
      assert.equal(await page.getByTestId('llm-pair').getAttribute('data-side'), 'false');
      const [p1, p2] = [await r1.boundingBox(), await r2.boundingBox()];
      assert.ok(p2.y >= p1.y + p1.height - 1, `stacked: ${JSON.stringify([p1, p2])}`);
      assert.ok(p1.width <= PHONE.width && p1.width > 300, `A fits the phone: ${p1.width}`);
      const overflow = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, body: document.body.scrollWidth, w: window.innerWidth }));
      assert.ok(overflow.doc <= overflow.w && overflow.body <= overflow.w, `no sideways scroll of the page: ${JSON.stringify(overflow)}`);
      // the wide table and the long code line scroll inside their own boxes
      assert.ok(await page.locator('[data-testid=llm-pair] .md-table').first().evaluate((el) => el.scrollWidth > el.clientWidth && el.clientWidth <= 360));
      assert.ok(await page.locator('[data-testid=llm-pair] pre').first().evaluate((el) => el.scrollWidth > el.clientWidth));
      const fontPx = await r1.locator('.md p').first().evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
      assert.ok(fontPx >= 15, `readable: ${fontPx}px`);
      await shot(page, 'phone-zh-work-llm');

      // labels one: 一样
      await page.locator('[data-testid=opt-btn][data-key=tie]').click();
      await page.getByTestId('q-submit').click();
      await waitNextItem(page, id);
      await page.getByTestId('pending-badge').waitFor({ state: 'detached', timeout: 20_000 });
      let row;
      for (let i = 0; i < 40 && !row?.labels?.length; i++) {
        row = (await exportJsonl(client, order.id)).find((r) => r.item_id === id);
        if (!row?.labels?.length) await new Promise((r) => setTimeout(r, 500));
      }
      assert.equal(row.labels.length, 1, JSON.stringify(row));
      assert.deepEqual(row.labels[0].answer, { better: 'tie' });
      assert.equal(await page.evaluate(() => window.__pwned), undefined);
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
  });
});
