// Suggestions asked from a real model backend (issue 29): the test starts the Label Studio ML
// backend of the server tests (crates/mudou-server/tests/data/ml_backend/serve.py, built on the
// label-studio-ml SDK: a scikit-learn classifier trained on datasets/reviews) as a process on
// loopback. The client, at 1366 px, gives the backend's address and token on the model card of
// an order copied from the demo's 评价分类, saves (the server checks /health and /setup), and
// asks now; the server's worker fills every item's suggestion from /predict. The card also
// fits a 360 px phone. An annotator then opens the order: the item comes with the model's label
// chosen and the robot mark; Enter accepts it, and the JSONL export says the label accepted it.
// Last, the other way in: on the dataset page the client imports a JSONL of another model's
// answers as suggestions (the import panel, robot button), with one bad line that is dropped
// with its reason; those items' suggestions are now the file's, the others still the backend's.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { BASE, LAPTOP, PHONE, loginStaff, openBrowser, shot } from './lib.mjs';
import { apiSession, exportJsonl, keepOnly, loginAnnotator, returnOtherUnits, shownItem, startWork, waitNextItem } from './work-lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const TOKEN = 'e2e-backend-token-7f3a';

/** The Python with label-studio-ml: MUDOU_ML_PYTHON, else CI's virtual environment, else python3. */
function backendPython() {
  if (process.env.MUDOU_ML_PYTHON) return process.env.MUDOU_ML_PYTHON;
  const venv = join(root, 'target', 'ml-backend-venv', 'bin', 'python');
  return existsSync(venv) ? venv : 'python3';
}

const freePort = () =>
  new Promise((ok, err) => {
    const s = createServer();
    s.on('error', err);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });

let client;
let order;
let backend;
let backendUrl;
let modelDir;
const paused = [];

before(async () => {
  client = await apiSession('client', 'mudou-client');
  // An order of its own (the demo's 评价分类 copied), so no other test meets its suggestions.
  const { items } = await client('GET', '/orders');
  const base = items.find((o) => o.spec.name === '评价分类');
  assert.ok(base, 'the demo seeds 评价分类');
  const made = await client('POST', '/orders', { dataset_id: base.dataset_id, spec: { ...base.spec, name: '模型评价' } });
  await client('POST', `/orders/${made.id}/publish`, {});
  order = made;
  const port = await freePort();
  backendUrl = `http://127.0.0.1:${port}`;
  modelDir = mkdtempSync(join(tmpdir(), 'mudou-e2e-model-'));
  backend = spawn(
    backendPython(),
    [join(root, 'crates/mudou-server/tests/data/ml_backend/serve.py'), '--port', String(port), '--token', TOKEN, '--model-dir', modelDir],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, HOME: modelDir } },
  );
  let err = '';
  backend.stderr.setEncoding('utf8');
  backend.stderr.on('data', (c) => (err = (err + c).slice(-4000)));
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`${backendUrl}/health`, { headers: { authorization: `Bearer ${TOKEN}` } });
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (backend.exitCode !== null || i > 180) throw new Error(`the model backend did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 500));
  }
});

after(async () => {
  for (const id of paused) await client('POST', `/orders/${id}/resume`).catch(() => {});
  await client('DELETE', `/orders/${order.id}/model-backend`).catch(() => {});
  await client('POST', `/orders/${order.id}/cancel`).catch(() => {});
  backend?.kill('SIGTERM');
  rmSync(modelDir, { recursive: true, force: true });
});

describe('a model backend', () => {
  it('the client connects it on the order page at 1366 px; every item gets its suggestion', async () => {
    const b = await openBrowser(LAPTOP);
    const { page, errors } = b;
    try {
      await loginStaff(page, 'client');
      await page.goto(`${BASE}/#/orders/${order.id}`);
      const card = page.getByTestId('model-backend');
      await card.waitFor();
      await card.getByTestId('mb-url').fill(backendUrl);
      await card.getByTestId('mb-token').fill(TOKEN);
      await card.getByTestId('mb-save').click();
      await card.locator('[data-testid=mb-state][data-state=ok]').waitFor({ timeout: 30_000 });
      await card.getByTestId('mb-ask').click();
      // the worker asks /predict in batches: wait until every item of the order has one
      const { items } = await client('GET', `/orders/${order.id}/progress`);
      let list = [];
      for (let i = 0; i < 120; i++) {
        list = await client('GET', `/orders/${order.id}/suggestions`);
        if (list.filter((s) => s.source === 'backend').length >= items) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      const asked = list.filter((s) => s.source === 'backend');
      // (gold items too: the progress counts the items to label)
      assert.ok(asked.length >= items, `every item suggested: ${asked.length} for ${items}`);
      assert.ok(asked.every((s) => ['good', 'bad', 'neutral'].includes(s.answer.label) && s.score > 0 && s.score <= 1), JSON.stringify(asked[0]));
      assert.ok(asked.every((s) => s.model_version === 'mudou-test-backend-1'), JSON.stringify(asked[0]));
      // the card shows the backend well and what it gave; the token never comes back
      await page.reload();
      await card.locator('[data-testid=mb-state][data-state=ok]').waitFor();
      assert.equal(await card.getByTestId('mb-token').inputValue(), '');
      assert.ok(!(await page.content()).includes(TOKEN), 'the token is not on the page');
      await shot(page, 'model-backend-1366');
      assert.deepEqual(errors, []);
    } finally {
      await b.close();
    }
  });

  it('the card fits a 360 px phone', async () => {
    const b = await openBrowser(PHONE);
    const { page, errors } = b;
    try {
      await loginStaff(page, 'client');
      await page.goto(`${BASE}/#/orders/${order.id}`);
      const card = page.getByTestId('model-backend');
      await card.locator('[data-testid=mb-state][data-state=ok]').waitFor();
      await card.scrollIntoViewIfNeeded();
      const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      assert.equal(wide, false, 'no sideways scroll at 360 px');
      const save = await card.getByTestId('mb-save').boundingBox();
      assert.ok(save.height >= 44 && save.x + save.width <= 360, JSON.stringify(save));
      await shot(page, 'model-backend-360');
      assert.deepEqual(errors, []);
    } finally {
      await b.close();
    }
  });

  it("an annotator opens the order with the backend's answer chosen and accepts it with Enter", async () => {
    const b = await openBrowser(LAPTOP);
    const { page, errors } = b;
    try {
      await keepOnly(client, order, paused);
      await loginAnnotator(page, '陈杰', '5555');
      await returnOtherUnits(page, order.id);
      await startWork(page);
      const first = await shownItem(page);
      const model = page.locator('[data-testid=work] [data-testid=label-btn][data-model=true]');
      await model.first().waitFor();
      assert.equal(await model.count(), 1);
      const key = await model.first().getAttribute('data-key');
      const mine = (await client('GET', `/orders/${order.id}/suggestions`)).find((s) => s.item_id === first.id);
      assert.equal(key, mine.answer.label, "the chosen label is the backend's");
      await page.getByTestId('suggestion-bar').waitFor();
      await page.keyboard.press('Enter');
      await waitNextItem(page, first.id);
      // the export says the label accepted the suggestion (once the outbox has sent it)
      let row;
      for (let i = 0; i < 40 && !row; i++) {
        const rows = await exportJsonl(client, order.id);
        row = rows.find((r) => r.item_id === first.id)?.labels?.find((l) => l.suggestion === 'accepted');
        if (!row) await new Promise((r) => setTimeout(r, 500));
      }
      assert.ok(row, 'the export marks the label as an accepted suggestion');
      assert.deepEqual(row.answer, { label: key });
      assert.deepEqual(errors, []);
    } finally {
      await b.close();
    }
  });

  it('the client imports a JSONL of suggestions on the dataset page; a bad line is dropped with its reason', async () => {
    const b = await openBrowser(LAPTOP);
    const { page, errors } = b;
    try {
      const before = await client('GET', `/orders/${order.id}/suggestions`);
      const some = before.slice(0, 3);
      const lines = some.map((s) => JSON.stringify({ item_id: s.item_id, answer: { label: 'neutral' }, model: 'file-model', score: 0.5 }));
      // (lines of one item are merged: the bad one is another item's)
      lines.push(JSON.stringify({ item_id: before[3].item_id, answer: { label: 'wonderful' } }));
      const file = join(modelDir, 'suggestions.jsonl');
      writeFileSync(file, lines.join('\n') + '\n');
      await loginStaff(page, 'client');
      await page.goto(`${BASE}/#/datasets/${order.dataset_id}`);
      const panel = page.getByTestId('ls-import');
      await panel.waitFor();
      await panel.getByTestId('import-as-suggestions').click();
      await panel.getByTestId('import-format-jsonl').click();
      await panel.getByTestId('ls-file').setInputFiles(file);
      await panel.getByTestId('ls-order').selectOption(String(order.id));
      await panel.getByTestId('ls-send').click();
      await panel.getByTestId('suggest-result').waitFor();
      assert.equal(await panel.locator('[data-testid=suggest-dropped] li').count(), 1);
      assert.match(await panel.getByTestId('suggest-dropped').textContent(), /wonderful/);
      await shot(page, 'import-suggestions-1366');
      const after = await client('GET', `/orders/${order.id}/suggestions`);
      const byItem = new Map(after.map((s) => [s.item_id, s]));
      for (const s of some) {
        const now = byItem.get(s.item_id);
        assert.deepEqual([now.source, now.model, now.answer, now.score], ['import', 'file-model', { label: 'neutral' }, 0.5]);
      }
      assert.equal(after.filter((s) => s.source === 'backend').length, before.filter((s) => s.source === 'backend').length - 3);
      assert.deepEqual(errors, []);
    } finally {
      await b.close();
    }
  });
});
