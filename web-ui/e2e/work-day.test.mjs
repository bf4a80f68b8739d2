// The annotator's day on a cheap phone and a county link (issue 26), at 360 px by touch and
// at 1366 px, in zh-CN, each with a new worker of the demo centre:
// - the question is always in view, with a speaker that plays the voice where there is one
//   and, where there is none (most cheap phones), stays greyed and says why when tapped;
// - the phone's box screen is roomy (a tall picture, 48 px buttons in the bar);
// - keys work after the brightness slider; a box under 8 px is not kept (and the server
//   refuses one with a clear message);
// - the too-fast rule's pause is told at once with a picture, why, what to do and who lifts
//   it, and what it cost; a lead's pause has other words; the work bar says why it went down;
// - the earnings page: the days' chart first, unpaid labels grouped by reason with a picture
//   (boxes drawn), the ledger folded behind a tap, and the page short.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BASE, LAPTOP, PHONE, openBrowser, shot, text } from './lib.mjs';
import { apiSession, loginAnnotator, onlyOpen, returnOtherUnits, shownItem, startWork, waitNextItem } from './work-lib.mjs';

let client;
let lead;
before(async () => {
  client = await apiSession('client', 'mudou-client');
  lead = await apiSession('lead', 'mudou-lead');
});

/** Headless Chromium may or may not have voices: a test says which it wants
 * (localStorage `test.voice`): none, as on most cheap phones, or a zh-CN voice that records
 * what it is asked to say. */
const VOICES = () => {
  window.__spoken = [];
  const want = localStorage.getItem('test.voice') === '1';
  const voices = want ? [{ lang: 'zh-CN', name: 'test zh', default: true, localService: true, voiceURI: 'zh' }] : [];
  const target = new EventTarget();
  const synth = {
    speaking: false,
    getVoices: () => voices,
    speak(u) {
      window.__spoken.push({ text: u.text, lang: u.lang });
      setTimeout(() => u.onend?.(new Event('end')), 10);
    },
    cancel() {},
    addEventListener: target.addEventListener.bind(target),
    removeEventListener: target.removeEventListener.bind(target),
  };
  Object.defineProperty(window, 'speechSynthesis', { value: synth, configurable: true });
  window.SpeechSynthesisUtterance = class {
    constructor(t) {
      Object.assign(this, { text: t, lang: '', voice: null, rate: 1, onend: null, onerror: null });
    }
  };
};

async function newWorker(name, pin) {
  const u = await lead('POST', '/centre/annotators', { display_name: name, pin, skill_level: 'standard' });
  for (const q of ['single_choice', 'bbox']) await lead('POST', '/lead/qualifications', { annotator_id: u.id, qualification: q });
  return u;
}

async function livePauses(annotatorId) {
  const { items } = await lead('GET', '/lead/pauses');
  return items.filter((p) => p.annotator_id === annotatorId && p.live);
}

async function liftAll(annotatorId) {
  for (const p of await livePauses(annotatorId)) await lead('POST', `/lead/pauses/${p.id}/lift`, {}).catch(() => {});
}

/** Whether the element lies wholly inside the viewport. */
async function inView(page, locator) {
  const bb = await locator.boundingBox();
  const vp = page.viewportSize();
  // (a pixel's rounding at the edge allowed)
  return !!bb && bb.y >= -1 && bb.x >= -1 && bb.y + bb.height <= vp.height + 1 && bb.x + bb.width <= vp.width + 1;
}

const VIEWS = [
  { name: 'phone', viewport: PHONE, touch: true, who: '孔静', pin: '7171' },
  { name: 'laptop', viewport: LAPTOP, touch: false, who: '严华', pin: '7272' },
];

for (const v of VIEWS) {
  describe(`the annotator's day, ${v.name} (${v.viewport.width} px${v.touch ? ', touch' : ''})`, () => {
    let b;
    let worker;
    let restore = async () => {};
    let cdp = null;
    /** A tap on the phone (the same touch channel the drags use), a click on the laptop. */
    const press = async (loc) => {
      if (!v.touch) return loc.click();
      if (!cdp) return loc.tap();
      await loc.scrollIntoViewIfNeeded();
      const bb = await loc.boundingBox();
      const p = [{ x: bb.x + bb.width / 2, y: bb.y + bb.height / 2, id: 1 }];
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: p });
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    };
    /** Drags on the box stage from (x0, y0) to (x1, y1): a finger on the phone, the mouse
     * on the laptop. */
    async function drag(page, x0, y0, x1, y1) {
      if (v.touch) {
        cdp ??= await b.context.newCDPSession(page);
        const touch = (type, pts) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: pts.map(([x, y], id) => ({ x, y, id })) });
        await touch('touchStart', [[x0, y0]]);
        for (let i = 1; i <= 5; i++) await touch('touchMove', [[x0 + ((x1 - x0) * i) / 5, y0 + ((y1 - y0) * i) / 5]]);
        await touch('touchEnd', []);
        // a finger lifts, and a moment passes before the next tap (as with a person)
        await page.waitForTimeout(400);
      } else {
        await page.mouse.move(x0, y0);
        await page.mouse.down();
        for (let i = 1; i <= 5; i++) await page.mouse.move(x0 + ((x1 - x0) * i) / 5, y0 + ((y1 - y0) * i) / 5);
        await page.mouse.up();
      }
    }

    before(async () => {
      b = await openBrowser(v.viewport, { touch: v.touch });
      await b.context.addInitScript(VOICES);
      worker = await newWorker(v.who, v.pin);
    });
    after(async () => {
      await restore();
      await liftAll(worker.id);
      await b.close();
    });

    it('shows the question on the work screen, with a speaker that the server’s voice fills in', async () => {
      const { page } = b;
      const only = await onlyOpen(client, 'single_choice');
      restore = only.restore;
      await loginAnnotator(page, v.who, v.pin);
      await returnOtherUnits(page, only.order.id);
      await startWork(page);
      const q = page.getByTestId('question-text');
      assert.match(await text(q), /看图里最大的那个形状/);
      assert.ok(await inView(page, q), 'the question is in view');
      assert.ok(await inView(page, page.getByTestId('item-img')), 'and so is the picture');
      // no Chinese voice on this device: the speaker plays speech the server makes (espeak-ng);
      // only where the server cannot speak either does it grey out and a tap say why
      const sp = page.getByTestId('question-speak');
      assert.equal(await sp.getAttribute('data-source'), 'server');
      const bb = await sp.boundingBox();
      assert.ok(bb.width >= 48 && bb.height >= 48, `speaker ${bb.width}×${bb.height}`);
      const heard = page.waitForResponse((r) => r.url().includes('/api/v1/speech'));
      await press(sp);
      const speech = await heard;
      if (speech.status() === 200) {
        assert.equal(speech.headers()['content-type'], 'audio/wav');
      } else {
        assert.equal(speech.status(), 503);
        assert.match(await text(page.getByTestId('speak-why')), /没有中文语音/);
      }
      assert.match(await text(q), /看图里最大的那个形状/, 'the words stay');
      await shot(page, `${v.name}-zh-work-question-novoice`);
      // with a voice, the same speaker reads the question and the choices
      await page.evaluate(() => localStorage.setItem('test.voice', '1'));
      await page.reload();
      await page.getByTestId('work').waitFor();
      assert.equal(await page.getByTestId('question-speak').getAttribute('data-source'), 'voice');
      await press(page.getByTestId('question-speak'));
      await page.waitForFunction(() => window.__spoken.length > 0);
      const said = await page.evaluate(() => window.__spoken[0]);
      assert.equal(said.lang, 'zh-CN');
      assert.match(said.text, /看图里最大的那个形状/);
      assert.ok((await page.getByTestId('speak-why').count()) === 0);
      await page.evaluate(() => localStorage.removeItem('test.voice'));
      assert.deepEqual(b.errors, []);
    });

    it('boxes: a roomy screen, keys after the brightness slider, no box under 8 px', async () => {
      const { page } = b;
      await restore();
      const only = await onlyOpen(client, 'bbox');
      restore = only.restore;
      await page.goto(BASE + '/');
      await page.getByTestId('greeting').waitFor();
      await returnOtherUnits(page, only.order.id);
      await startWork(page);
      await page.locator('.box-canvas [data-testid=item-img][data-loaded]').waitFor();
      assert.match(await text(page.getByTestId('question-text')), /形状/);
      // roomy: the picture is tall, the bar's buttons are 48 px
      const stage = await page.getByTestId('box-stage').boundingBox();
      assert.ok(stage.height >= (v.touch ? 300 : 400), `box stage ${stage.height} px tall`);
      for (const id of ['go-home', 'prev', 'help', 'zoom-in']) {
        const bb = await page.getByTestId(id).boundingBox();
        assert.ok(bb.width >= 48 && bb.height >= 48, `${id}: ${bb.width}×${bb.height}`);
      }
      await shot(page, `${v.name}-zh-work-boxes-roomy`);

      // the brightness slider keeps the focus; the number keys and Enter still work
      const slider = page.getByTestId('brightness');
      await press(slider);
      await slider.focus();
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'brightness');
      await page.keyboard.press('2');
      const second = page.getByTestId('label-btn').nth(1);
      assert.equal(await second.getAttribute('aria-pressed'), 'true', 'the key picked the class after the slider');
      const secondKey = await second.getAttribute('data-key');

      // a tiny box (about 5 image pixels) is not kept, and a word says why
      while (Number(await page.getByTestId('box-stage').getAttribute('data-scale')) < 2) await press(page.getByTestId('zoom-in'));
      const cv = await page.getByTestId('box-stage').boundingBox();
      const cx = cv.x + cv.width / 2;
      const cy = cv.y + cv.height / 2;
      await drag(page, cx, cy, cx + 9, cy + 9);
      await page.getByTestId('box-too-small').waitFor();
      assert.match(await text(page.getByTestId('box-too-small')), /框太小了.*8×8/);
      assert.equal(await page.getByTestId('box').count(), 0);
      await shot(page, `${v.name}-zh-work-box-too-small`);
      await press(page.getByTestId('zoom-fit'));
      const cv2 = await page.getByTestId('box-stage').boundingBox();
      await drag(page, cv2.x + cv2.width * 0.3, cv2.y + cv2.height * 0.3, cv2.x + cv2.width * 0.6, cv2.y + cv2.height * 0.6);
      assert.equal(await page.getByTestId('box').count(), 1);
      assert.equal(await page.getByTestId('box').getAttribute('data-label'), secondKey);
      // Enter with the slider focused sends the item
      const { id } = await shownItem(page);
      await slider.focus();
      await page.keyboard.press('Enter');
      await waitNextItem(page, id);

      // the server refuses a 2×2 box with words that say why
      const refused = await page.evaluate(async () => {
        const n = await (await fetch('/api/v1/work/next', { credentials: 'same-origin' })).json();
        const a = n.assignment;
        const r = await fetch('/api/v1/work/labels', {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            client_uuid: crypto.randomUUID(),
            assignment_id: a.id,
            item_id: a.items[a.items.length - 1].item_id,
            answer: { boxes: [{ label: a.order.labels[0].key, x: 10, y: 10, w: 2, h: 2 }] },
            duration_ms: 3000,
          }),
        });
        return { status: r.status, body: await r.json() };
      });
      assert.equal(refused.status, 422, JSON.stringify(refused));
      assert.equal(refused.body.error.code, 'validation');
      assert.match(refused.body.error.message, /at least 8 × 8 pixels/);
      assert.deepEqual(b.errors, []);
    });

    it('a rule pauses her: she is told at once why, what to do, who lifts it and what it cost', async () => {
      const { page } = b;
      const orderId = (await onlyOpen(client, 'bbox')).order.id;
      const rules = await lead('GET', `/lead/orders/${orderId}/rules`);
      await lead('PUT', `/lead/orders/${orderId}/rules`, {
        ...rules,
        fast_enabled: true,
        fast_min_labels: 5,
        fast_seconds: 30,
        gold_enabled: false,
        spam_enabled: false,
        exclude_labels: true,
      });
      try {
        await page.getByTestId('work').waitFor();
        // box after box, quickly, until the rule stops her
        for (let i = 0; i < 12 && !(await page.getByTestId('pause-card').count()); i++) {
          const w = page.getByTestId('work');
          if (!(await w.count())) {
            await page.getByTestId('work').or(page.getByTestId('pause-card')).first().waitFor({ timeout: 20_000 });
            continue;
          }
          await page.locator('.box-canvas [data-testid=item-img][data-loaded]').waitFor();
          const { id } = await shownItem(page);
          const cv = await page.getByTestId('box-stage').boundingBox();
          await drag(page, cv.x + cv.width * 0.3, cv.y + cv.height * 0.3, cv.x + cv.width * 0.7, cv.y + cv.height * 0.7);
          assert.ok((await page.getByTestId('box').count()) >= 1, `a box on item ${id}`);
          const done = page.getByTestId('confirm');
          assert.ok(await inView(page, done), `Done is in view, no scrolling: ${JSON.stringify(await done.boundingBox())}`);
          await press(done);
          // Emulated touch in headless Chromium swallows the first tap after a drag (no click
          // event follows it); tap again only while the item is still the same one with its box.
          if (v.touch && (await page.getByTestId('box').count())) {
            await page.waitForTimeout(100);
            if (await page.getByTestId('box').count()) await press(done);
          }
          await page
            .waitForFunction(
            (old) => {
              const w = document.querySelector('[data-testid=work]');
              return !w || Number(w.getAttribute('data-item-id')) !== old || document.querySelector('[data-testid=pause-card]');
            },
            id,
          )
            .catch(async (e) => {
              await shot(page, `${v.name}-zh-work-stuck`);
              throw e;
            });
        }
        const card = page.getByTestId('pause-card');
        await card.waitFor();
        assert.equal(await card.getAttribute('data-reason'), 'too_fast');
        assert.equal(await card.getAttribute('data-by'), 'rule');
        assert.match(await text(page.getByTestId('pause-title')), /做得太快/);
        const said = await text(card);
        assert.match(said, /最近 \d+ 张，每张只用了 [\d.]+ 秒（至少要 30 秒）/);
        assert.match(said, /每张图看清楚再选/);
        assert.match(said, /系统按规则自动停的，不是组长/);
        assert.match(said, /赵组长.*看过后会解除暂停/);
        assert.match(said, /只停了这个订单：形状画框/);
        // what it cost, once the stretch before the pause is left out (a moment later)
        await page.getByTestId('pause-line').filter({ hasText: /暂停前做的 \d+ 张不计钱（¥\d+\.\d\d）/ }).waitFor({ timeout: 60_000 });
        assert.ok(await inView(page, card.locator('.pause-pic')), 'the picture is in view');
        await shot(page, `${v.name}-zh-work-paused-too-fast`);

        // home says the same, with the picture
        await press(page.getByTestId('paused-home'));
        await page.getByTestId('greeting').waitFor();
        await press(page.getByTestId('start'));
        const none = page.getByTestId('no-work');
        await none.waitFor();
        assert.equal(await none.getAttribute('data-reason'), 'paused');
        await none.getByTestId('pause-card').waitFor();
        assert.equal(await none.getByTestId('pause-card').getAttribute('data-reason'), 'too_fast');

        // the earnings page: the days first; the unpaid grouped with one picture, boxes drawn;
        // the ledger folded; short
        await press(page.getByTestId('my-earnings'));
        await page.getByTestId('earnings-page').waitFor();
        await page.getByTestId('day-bar').first().waitFor();
        assert.equal(await page.getByTestId('day-bar').count(), 14);
        const group = page.locator('[data-testid=unpaid-group][data-reason="paused:too_fast"]');
        await group.waitFor();
        assert.match(await text(group.getByTestId('unpaid-group-reason')), /暂停前这段时间做的，不计钱（做得太快）/);
        assert.equal(await group.getByTestId('unpaid-pic').count(), 1, 'one picture for the group');
        assert.ok((await group.getByTestId('box-mine').count()) >= 1, 'her boxes drawn on it');
        assert.equal(await page.getByTestId('unpaid-row').count(), 0, 'the labels wait behind a tap');
        await press(group.getByTestId('unpaid-more'));
        assert.equal(await group.getByTestId('unpaid-row').count(), Number(await group.getAttribute('data-count')));
        const days = await page.getByTestId('earnings-days').boundingBox();
        const unpaidBox = await page.getByTestId('earnings-unpaid').boundingBox();
        assert.ok(days.y < unpaidBox.y, 'the chart comes first');
        assert.equal(await page.getByTestId('pay-line').count(), 0, 'the ledger is folded');
        const height = await page.evaluate(() => document.documentElement.scrollHeight);
        assert.ok(height < (v.touch ? 4000 : 2500), `the page is short: ${height} px`);
        await shot(page, `${v.name}-zh-earnings-day`);
        await press(page.getByTestId('ledger-open'));
        await page.getByTestId('pay-line').or(page.getByTestId('lines-none')).first().waitFor();
        await press(page.getByTestId('earnings-back'));
        await page.getByTestId('greeting').waitFor();

        // lifted: back at work, the bar says why today's money went down
        await liftAll(worker.id);
        await startWork(page);
        const drop = page.getByTestId('earn-drop');
        await drop.waitFor();
        assert.match((await drop.getAttribute('aria-label')) ?? '', /收入少了 ¥\d+\.\d\d：暂停前做的 \d+ 张不计钱/);
        await press(drop);
        assert.match(await text(page.getByTestId('earn-drop-why')), /暂停前做的 \d+ 张不计钱/);
        await shot(page, `${v.name}-zh-work-earn-drop`);
      } finally {
        await lead('PUT', `/lead/orders/${orderId}/rules`, rules);
        await liftAll(worker.id);
      }
      assert.deepEqual(b.errors, []);
    });

    it("a lead's pause is told in the lead's words", async () => {
      const { page } = b;
      await restore();
      const only = await onlyOpen(client, 'single_choice');
      restore = only.restore;
      await page.goto(BASE + '/');
      await page.getByTestId('greeting').waitFor();
      await returnOtherUnits(page, only.order.id);
      await startWork(page);
      const first = await shownItem(page);
      await press(page.getByTestId('label-btn').first());
      await waitNextItem(page, first.id);
      // that answer is on the server before the lead pauses (else its own reply says paused)
      await page.getByTestId('pending-badge').waitFor({ state: 'detached' });
      await page.waitForTimeout(300);
      await lead('POST', '/lead/pauses', { annotator_id: worker.id, note: '来办公室一下' });
      try {
        await press(page.getByTestId('label-btn').first());
        const card = page.getByTestId('pause-card');
        await card.waitFor();
        assert.equal(await card.getAttribute('data-by'), 'lead');
        const said = await text(card);
        assert.match(said, /组长让你先休息一下/);
        assert.match(said, /组长说：来办公室一下/);
        assert.match(said, /所有任务都停了/);
        assert.doesNotMatch(said, /系统按规则/);
        await shot(page, `${v.name}-zh-work-paused-lead`);
      } finally {
        await liftAll(worker.id);
      }
      assert.deepEqual(b.errors, []);
    });
  });
}
