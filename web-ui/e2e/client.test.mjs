// The client's path, as a new user would take it: log in, see the demo dataset's thumbnails,
// make a dataset and upload a ZIP built here, read the outcome, order boxes with dynamic overlap
// and gold on the demo shapes, publish it and watch its progress page. Both languages, laptop
// and phone screenshots.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import { LAPTOP, loginStaff, openBrowser, PHONE, shot, text } from './lib.mjs';

const SHAPES = resolve(process.cwd(), '..', 'datasets', 'shapes');

// ---- a tiny store-only ZIP writer (no compression: enough for a test archive) ----
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
/** entries: [{name, data: Buffer}] → a ZIP archive (stored, UTF-8 names). */
export function zipStore(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBuf = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, nameBuf, data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE((0o100644 * 65536) >>> 0, 38); // a regular file
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBuf);
    offset += 30 + nameBuf.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** A small PNG made here (a square of a colour on a grey ground), new bytes every run. */
function makePng(size = 96) {
  const [r, g, b] = [Math.random() * 255, Math.random() * 255, Math.random() * 255].map(Math.floor);
  const raw = Buffer.alloc((size * 3 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 3 + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const inside = x > size / 4 && x < (size * 3) / 4 && y > size / 4 && y < (size * 3) / 4;
      const o = y * (size * 3 + 1) + 1 + x * 3;
      raw[o] = inside ? r : 200;
      raw[o + 1] = inside ? g : 200;
      raw[o + 2] = inside ? b : 200;
    }
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function testZip() {
  const manifest = readFileSync(join(SHAPES, 'manifest.csv'), 'utf8').split('\n');
  const names = ['shape_000.jpg', 'shape_001.jpg', 'shape_002.jpg', 'shape_003.jpg'];
  const rows = [manifest[0], ...manifest.filter((l) => names.some((n) => l.startsWith(n + ',')))];
  return zipStore([
    { name: 'manifest.csv', data: Buffer.from(rows.join('\n') + '\n') },
    ...names.map((n) => ({ name: n, data: readFileSync(join(SHAPES, n)) })),
    { name: 'more/shape_004.jpg', data: readFileSync(join(SHAPES, 'shape_004.jpg')) },
    { name: 'notes.jpg', data: Buffer.from('this is not a picture\n') },
  ]);
}

async function switchLang(page, to) {
  await page.getByTestId('lang-toggle').click();
  await page.waitForFunction((l) => document.documentElement.lang === l, to);
}

/** Screenshots in both languages and both sizes; leaves the page in zh-CN on a laptop. */
async function shots4(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, `laptop-zh-${name}`);
  await page.setViewportSize(PHONE);
  await shot(page, `phone-zh-${name}`);
  await switchLang(page, 'en');
  await shot(page, `phone-en-${name}`);
  await page.setViewportSize(LAPTOP);
  await shot(page, `laptop-en-${name}`);
  await switchLang(page, 'zh-CN');
}

describe('client pages', () => {
  let b;
  let boxOrderUrl = '';
  const stamp = Date.now().toString(36);
  before(async () => {
    b = await openBrowser(LAPTOP);
    const { page } = b;
    await loginStaff(page, 'client');
    await page.getByTestId('datasets').waitFor();
  });
  after(async () => b.close());

  it('sees the demo dataset with thumbnails, tags and gold', async () => {
    const { page } = b;
    const row = page.getByTestId('dataset-row').filter({ hasText: '形状示例' });
    await row.getByText('60').waitFor();
    await shots4(page, 'client-home');
    await row.click();
    await page.waitForURL(/#\/datasets\/\d+$/);
    await page.getByTestId('thumb').first().waitFor();
    // a page of 48, then the rest by `after`
    await page.getByTestId('load-more').waitFor();
    assert.equal(await page.getByTestId('thumb').count(), 48);
    const next = page.waitForRequest((r) => /\/items\?after=\d+&limit=48$/.test(r.url()) && !r.url().includes('after=0'));
    await page.getByTestId('load-more').click();
    await next;
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=thumb]').length === 60);
    await page.getByTestId('load-more').waitFor({ state: 'detached' });
    assert.equal(await page.locator('[data-testid=thumb] img[loading=lazy]').count(), 60);
    // the thumbnails really load
    const img = page.locator('[data-testid=thumb] img').first();
    await img.evaluate((el) => (el.complete ? null : new Promise((ok) => el.addEventListener('load', ok, { once: true }))));
    assert.ok((await img.evaluate((el) => el.naturalWidth)) > 0);
    assert.ok((await page.getByTestId('gold-badge').count()) >= 1);
    await page.getByTestId('thumb').first().getByText('normal').waitFor();
    await shots4(page, 'client-dataset');
  });

  it('creates a dataset and uploads a ZIP with a progress bar, then reads the outcome', async () => {
    const { page } = b;
    await page.getByTestId('back').click();
    await page.locator('input[name=dataset_name]').fill(`上传测试 ${stamp}`);
    await page.getByTestId('create-dataset').click();
    await page.waitForURL(/#\/datasets\/\d+$/);
    await page.getByTestId('dataset-name').getByText(`上传测试 ${stamp}`).waitFor();
    await page.getByText('还没有数据').waitFor();

    // record that the XHR reported upload progress
    await page.evaluate(() => {
      window.__progress = [];
      const send = XMLHttpRequest.prototype.send;
      XMLHttpRequest.prototype.send = function (body) {
        this.upload.addEventListener('progress', (e) => window.__progress.push([e.loaded, e.total]));
        return send.call(this, body);
      };
    });
    await page.getByTestId('file-input').setInputFiles({ name: 'shapes-test.zip', mimeType: 'application/zip', buffer: testZip() });
    await page.getByTestId('chosen').getByText('shapes-test.zip').waitFor();
    await page.getByTestId('upload-start').click();
    await page.getByTestId('outcome').waitFor({ timeout: 60_000 });
    assert.ok((await page.evaluate(() => window.__progress.length)) >= 1, 'no upload progress events');

    assert.equal(await text(page.getByTestId('n-accepted')), '收下 5');
    assert.equal(await text(page.getByTestId('n-rejected')), '拒收 1');
    const rejected = page.locator('[data-testid=outcome-row][data-status=rejected]');
    assert.equal(await rejected.count(), 1);
    assert.match(await text(rejected), /notes\.jpg/);
    assert.match(await text(rejected), /不是图片/);
    // the grid shows the new items, the folder as a tag, the manifest's gold
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=thumb]').length === 5);
    await page.getByTestId('thumb').filter({ hasText: 'more' }).waitFor();
    assert.equal(await page.getByTestId('gold-badge').count(), 4);
    assert.match(await text(page.getByTestId('dataset-count')), /5/);
    await shots4(page, 'client-upload');

    // a manifest without its `file` column is refused whole, in our words
    await page.getByTestId('file-input').setInputFiles({ name: 'manifest.csv', mimeType: 'text/csv', buffer: Buffer.from('name,label\nx.jpg,circle\n') });
    await page.getByTestId('upload-start').click();
    await page.getByTestId('upload').getByTestId('error').getByText('清单文件有误').waitFor();
    await page.getByTestId('upload').getByRole('button', { name: '清空' }).click();

    // the same archive again: all duplicates
    await page.getByTestId('file-input').setInputFiles({ name: 'shapes-test.zip', mimeType: 'application/zip', buffer: testZip() });
    await page.getByTestId('upload-start').click();
    await page.getByTestId('n-duplicates').getByText('重复 5').waitFor({ timeout: 60_000 });
  });

  it('orders boxes with dynamic overlap and gold, with errors next to the fields, and publishes', async () => {
    const { page } = b;
    await page.getByTestId('back').click();
    await page.getByTestId('dataset-row').filter({ hasText: '形状示例' }).click();
    await page.getByTestId('order-this').click();
    await page.waitForURL(/#\/orders\/new\?dataset=\d+$/);
    const form = page.getByTestId('order-form');
    await form.waitFor();
    await form.locator('input[name=order_name]').fill(`形状画框 ${stamp}`);
    await form.locator('input[name=task_type][value=bbox]').check();
    // four labels, keyed like the manifest's gold
    await page.getByTestId('add-label').click();
    await page.getByTestId('add-label').click();
    const labels = [
      ['圆形', 'Circle', 'circle'],
      ['正方形', 'Square', 'square'],
      ['三角形', 'Triangle', 'triangle'],
      ['星形', 'Star', 'star'],
    ];
    assert.equal(await page.getByTestId('label-row').count(), 4);
    for (const [i, [zh, en, key]] of labels.entries()) {
      await form.locator(`input[name=label_zh_${i}]`).fill(zh);
      await form.locator(`input[name=label_en_${i}]`).fill(en);
      await form.locator(`input[name=label_key_${i}]`).fill(key);
      assert.equal(await form.locator(`input[name=label_hotkey_${i}]`).inputValue(), String(i + 1));
    }
    await form.locator('textarea[name=instructions]').fill('把每个形状框起来，框要贴着边。');
    await form.locator('input[name=overlap_kind][value=dynamic]').check();
    await form.locator('input[name=overlap_min]').fill('2');
    await form.locator('input[name=overlap_max]').fill('4');
    await form.locator('input[name=overlap_target]').fill('90');
    await form.locator('input[name=gold_share]').fill('10');
    await form.locator('input[name=max_gold_items]').fill('6');

    // a negative price is refused in the browser, next to the price
    await form.locator('input[name=piece_rate]').fill('-1');
    await page.getByTestId('save-order').click();
    await page.getByTestId('error-piece_rate_fen').waitFor();
    await form.locator('input[name=piece_rate]').fill('¥0.3');
    await form.getByText('= 30 分').waitFor();
    await form.locator('input[name=box_rate]').fill('0.05');
    await form.locator('input[name=box_pay_cap]').fill('3');

    // a deadline in the past: the server's 422 lands next to the deadline
    await page.getByTestId('more-options').locator('summary').click();
    await form.locator('input[name=deadline]').fill('2020-01-01T08:00');
    await page.getByTestId('save-order').click();
    await page.getByTestId('error-deadline').waitFor();
    assert.equal(await page.getByTestId('error-piece_rate_fen').count(), 0);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, 'laptop-zh-client-order-form-error');
    await form.locator('input[name=deadline]').fill('');
    await page.getByTestId('error-deadline').waitFor({ state: 'detached' });
    await shots4(page, 'client-order-form');

    // what goes over the wire: integer fen, dynamic overlap, gold limit
    const sent = page.waitForRequest((r) => r.url().endsWith('/api/v1/orders') && r.method() === 'POST');
    await page.getByTestId('save-order').click();
    const body = JSON.parse((await sent).postData());
    assert.equal(body.spec.piece_rate_fen, 30);
    assert.equal(body.spec.box_rate_fen, 5);
    assert.deepEqual(body.spec.overlap, { kind: 'dynamic', min: 2, max: 4, target: 0.9 });
    assert.equal(body.spec.max_gold_items, 6);
    assert.deepEqual(
      body.spec.labels.map((l) => l.key),
      ['circle', 'square', 'triangle', 'star'],
    );

    await page.waitForURL(/#\/orders\/\d+$/);
    boxOrderUrl = page.url();
    await page.locator('[data-testid=order-state][data-state=draft]').waitFor();
    await page.getByTestId('publish').click();
    await page.locator('[data-testid=order-head] [data-testid=order-state][data-state=open]').waitFor();
    await page.getByTestId('order-note').waitFor();
    await page.getByTestId('units-summary').waitFor();
    assert.equal(await text(page.getByTestId('n-gold').locator('.stat-value')), '6');
    assert.equal(await text(page.getByTestId('n-items').locator('.stat-value')), '54');
    assert.ok(Number(await text(page.getByTestId('n-units').locator('.stat-value'))) >= 1);
    await page.getByTestId('progress-chart').locator('svg[role=img]').waitFor();
    assert.match(await text(page.getByTestId('cost')), /¥0\.00/);
    await page.getByTestId('order-head').getByText('框要贴着边').waitFor();
    // live numbers from /progress, and every export of a box order downloads
    await page.getByTestId('eta').getByText('最近一小时没有新标注').waitFor();
    assert.equal(await text(page.getByTestId('gold-accuracy').locator('.stat-value')), '—');
    const links = page.getByTestId('downloads').locator('a[download]');
    assert.equal(await links.count(), 7);
    for (const testid of ['download-jsonl', 'download-csv', 'download-labelstudio', 'download-coco', 'download-coco-gold', 'download-yolo', 'download-cvat']) {
      const href = await page.getByTestId(testid).getAttribute('href');
      const res = await page.request.get(new URL(href, page.url()).href);
      assert.equal(res.status(), 200, `${testid} ${href}`);
      assert.match(res.headers()['content-disposition'] ?? '', /attachment/);
    }
    await shots4(page, 'client-order');

    // pause and resume; "add new items" finds none
    await page.getByTestId('pause').click();
    await page.locator('[data-testid=order-head] [data-testid=order-state][data-state=paused]').waitFor();
    await page.getByTestId('resume').click();
    await page.locator('[data-testid=order-head] [data-testid=order-state][data-state=open]').waitFor();
    await page.getByTestId('sync').click();
    await page.getByTestId('order-note').getByText('加入 0 条').waitFor();

    // the orders list shows it
    await page.getByTestId('back').click();
    await page.getByTestId('order-row').filter({ hasText: `形状画框 ${stamp}` }).waitFor();
  });

  it('drops a new picture on the shapes and adds it to the open order', async () => {
    const { page } = b;
    await page.getByTestId('dataset-row').filter({ hasText: '形状示例' }).click();
    await page.getByTestId('drop').waitFor();
    await page.getByTestId('dataset-orders').getByText(`形状画框 ${stamp}`).waitFor();
    const png = makePng().toString('base64');
    const dt = await page.evaluateHandle((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const d = new DataTransfer();
      d.items.add(new File([bytes], `新图 ${Date.now()}.png`, { type: 'image/png' }));
      return d;
    }, png);
    await page.getByTestId('drop').dispatchEvent('dragover', { dataTransfer: dt });
    await page.getByTestId('drop').dispatchEvent('drop', { dataTransfer: dt });
    await page.getByTestId('chosen').getByText('新图').waitFor();
    await page.getByTestId('upload-start').click();
    await page.getByTestId('n-accepted').getByText('收下 1').waitFor({ timeout: 60_000 });
    await page.getByTestId('dataset-count').getByText('61').waitFor();

    await page.goto(boxOrderUrl);
    await page.getByTestId('sync').click();
    await page.getByTestId('order-note').getByText('加入 1 条').waitFor();
    // the counts reload just after the note shows
    await page.getByTestId('n-items').locator('.stat-value').getByText('55', { exact: true }).waitFor();
    await page.getByTestId('back').click();
    await page.getByTestId('order-row').first().waitFor();
  });

  it('types in gold answers from the thumbnails while a choice order is a draft', async () => {
    const { page } = b;
    await page.getByTestId('new-order').click();
    const form = page.getByTestId('order-form');
    const shapes = await form.locator('select[name=dataset] option', { hasText: '形状示例' }).getAttribute('value');
    await form.locator('select[name=dataset]').selectOption(shapes);
    await form.locator('input[name=order_name]').fill(`形状单选 ${stamp}`);
    for (const [i, [zh, en]] of [
      ['圆形', 'Circle'],
      ['正方形', 'Square'],
    ].entries()) {
      await form.locator(`input[name=label_zh_${i}]`).fill(zh);
      await form.locator(`input[name=label_en_${i}]`).fill(en);
    }
    // the first picture as an example of 圆形, the second with the instructions
    await page.getByTestId('examples-group').locator('summary').click();
    await page.getByTestId('example-item').nth(1).waitFor();
    await page.getByTestId('example-select').first().selectOption('0');
    await page.getByTestId('example-select').nth(1).selectOption('instructions');
    await page.getByTestId('examples').getByText('已选 2 张').waitFor();
    const sent = page.waitForRequest((r) => r.url().endsWith('/api/v1/orders') && r.method() === 'POST');
    await page.getByTestId('save-order').click();
    const spec = JSON.parse((await sent).postData()).spec;
    assert.equal(spec.labels[0].examples.length, 1);
    assert.equal(spec.labels[1].examples.length, 0);
    assert.equal(spec.instruction_examples.length, 1);
    await page.locator('[data-testid=order-state][data-state=draft]').waitFor();
    await page.getByTestId('open-gold').click();
    const first = page.getByTestId('gold-item').first();
    await first.getByTestId('gold-select').selectOption('circle');
    await first.getByTestId('gold-saved').waitFor();
    assert.match(await text(first.getByTestId('gold-saved')), /圆形/);
    await shots4(page, 'client-order-draft-gold');
    // edit while draft keeps the form filled
    await page.getByTestId('edit').click();
    assert.equal(await page.locator('input[name=order_name]').inputValue(), `形状单选 ${stamp}`);
    await page.getByTestId('examples-group').locator('summary').click();
    await page.getByTestId('examples').getByText('已选 2 张').waitFor();
    await shot(page, 'laptop-zh-client-order-examples');
    await page.locator('input[name=piece_rate]').fill('0.25');
    await page.getByTestId('save-order').click();
    await page.waitForURL(/#\/orders\/\d+$/);
    await page.getByTestId('order-head').getByText('¥0.25').waitFor();
    await page.getByTestId('back').click();
    await page.getByTestId('order-row').filter({ hasText: `形状画框 ${stamp}` }).waitFor();
    await page.setViewportSize(PHONE);
    await shot(page, 'phone-zh-client-home-orders');
    await page.setViewportSize(LAPTOP);
    assert.deepEqual(b.errors, []);
  });
});
