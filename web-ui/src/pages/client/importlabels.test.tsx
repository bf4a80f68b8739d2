import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setFetch } from '../../api';
import { setLang } from '../../i18n';
import type { Order } from '../../orders';
import { LsImportPanel, contentType, dropWords, importUrl, outcomeOf } from './LsImport';

async function settle() {
  for (let i = 0; i < 12; i++)
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
}
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

let root: HTMLElement;
const $ = (sel: string) => root.querySelector(sel) as HTMLElement | null;
const orders = [{ id: 9, dataset_id: 3, state: 'published', spec: { name: '画多边形', task_type: 'template' } }] as unknown as Order[];
let sent: { url: string; type: string | null; body: string }[];
let done: number;

function pickFile(file: File) {
  const input = $('[data-testid=ls-file]') as HTMLInputElement;
  Object.defineProperty(input, 'files', { value: [file], configurable: true });
  input.dispatchEvent(new Event('change', { bubbles: true }));
}
function chooseOrder(v: string) {
  const sel = $('[data-testid=ls-order]') as HTMLSelectElement;
  sel.value = v;
  sel.dispatchEvent(new Event('change', { bubbles: true }));
}
async function submit() {
  ($('[data-testid=ls-send]') as HTMLButtonElement).click();
  await settle();
}

beforeEach(async () => {
  setLang('zh-CN');
  root = document.createElement('div');
  document.body.appendChild(root);
  sent = [];
  done = 0;
  await act(() => render(<LsImportPanel datasetId={3} orders={orders} onDone={() => done++} />, root));
});
afterEach(() => {
  render(null, root);
  root.remove();
});

const images = {
  labelled: 1,
  unlabelled: 1,
  skipped: 1,
  images: [
    { index: 0, file_name: 'a.jpg', outcome: 'labelled', item_id: 5, reason: null },
    { index: 1, file_name: 'b.jpg', outcome: 'unlabelled', item_id: 6, reason: null },
    { index: 2, file_name: 'c.jpg', outcome: 'skipped', item_id: null, reason: 'object 0: a polygon has at least 3 points' },
  ],
};

function serve(answer: (url: string) => Response) {
  setFetch(async (input, init) => {
    const url = String(input);
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const body = init?.body instanceof Blob ? await init.body.text() : String(init?.body ?? '');
    sent.push({ url, type: headers['Content-Type'] ?? null, body });
    return answer(url);
  });
}

describe('the import labels panel', () => {
  it('sends a Label Studio export as a list of tasks, the order optional', async () => {
    serve(() => json(200, { labelled: 2, created: 0, unlabelled: 0, skipped: 1, tasks: [{ index: 2, task_id: 7, outcome: 'skipped', item_id: null, reason: 'no picture' }] }));
    expect($('[data-testid=import-format-labelstudio]')!.getAttribute('aria-pressed')).toBe('true');
    pickFile(new File(['[{"data": {"image": "a.jpg"}}]'], 'export.json', { type: 'application/json' }));
    await settle();
    await submit();
    expect(sent).toEqual([{ url: '/api/v1/datasets/3/labelstudio', type: 'application/json', body: '[{"data":{"image":"a.jpg"}}]' }]);
    expect($('[data-testid=ls-result]')!.textContent).toContain('已导入 2 条');
    expect($('[data-testid=ls-skipped]')!.textContent).toContain('第 3 条');
    expect(done).toBe(1);
  });

  it('needs an order for COCO and posts the file as it is', async () => {
    serve(() => json(200, images));
    $('[data-testid=import-format-coco]')!.click();
    await settle();
    expect($('[data-testid=import-format-coco]')!.getAttribute('aria-pressed')).toBe('true');
    expect($('[data-testid=import-hint]')!.textContent).toContain('COCO');
    pickFile(new File(['{"images": []}'], 'instances.json', { type: '' }));
    await settle();
    expect(($('[data-testid=ls-send]') as HTMLButtonElement).disabled).toBe(true);
    expect($('[data-testid=import-order-needed]')).not.toBeNull();
    chooseOrder('9');
    await settle();
    expect($('[data-testid=import-order-needed]')).toBeNull();
    await submit();
    expect(sent).toEqual([{ url: '/api/v1/datasets/3/coco?order=9', type: 'application/json', body: '{"images": []}' }]);
    expect($('[data-testid=ls-result]')!.textContent).toBe('已导入 1 张，1 张没有标注，跳过 1 张');
    const skipped = $('[data-testid=ls-skipped]')!.textContent!;
    expect(skipped).toContain('第 3 张');
    expect(skipped).toContain('c.jpg');
    expect(skipped).toContain('at least 3 points');
    expect(done).toBe(1);
  });

  it('posts a YOLO ZIP and a CVAT XML to their routes, in English too', async () => {
    setLang('en');
    serve(() => json(200, images));
    $('[data-testid=import-format-yolo]')!.click();
    await settle();
    chooseOrder('9');
    pickFile(new File(['PK..'], 'labels.zip'));
    await settle();
    await submit();
    $('[data-testid=import-format-cvat]')!.click();
    await settle();
    expect($('[data-testid=ls-result]')).toBeNull();
    pickFile(new File(['<annotations/>'], 'annotations.xml'));
    await settle();
    await submit();
    expect(sent.map((s) => [s.url, s.type])).toEqual([
      ['/api/v1/datasets/3/yolo?order=9', 'application/zip'],
      ['/api/v1/datasets/3/cvat?order=9', 'application/xml'],
    ]);
    expect($('[data-testid=ls-result]')!.textContent).toBe('Imported 1 pictures, 1 without labels, 1 skipped');
  });

  it('shows a refusal and stores nothing new', async () => {
    serve(() => json(422, { error: { code: 'validation', message: 'the order has no drawing question COCO carries', field: 'order' } }));
    $('[data-testid=import-format-coco]')!.click();
    await settle();
    chooseOrder('9');
    pickFile(new File(['{}'], 'x.json'));
    await settle();
    await submit();
    expect($('[data-testid=error]')!.textContent).toContain('order');
    expect($('[data-testid=import-why]')!.textContent).toContain('drawing question');
    expect($('[data-testid=ls-result]')).toBeNull();
    expect(done).toBe(0);
  });
});

const suggested = {
  stored: 2,
  kept_planted: 1,
  dropped: [
    { index: 1, item_id: 6, code: 'unknown_class', reason: 'category 9 is not in the file\'s categories' },
    { index: 3, item_id: null, code: 'unknown_item', reason: 'no picture of this dataset is named "x.jpg"' },
  ],
};

describe('model suggestions', () => {
  it('offers JSONL only for suggestions, and needs an order even for Label Studio', async () => {
    expect($('[data-testid=import-as-known]')!.getAttribute('aria-pressed')).toBe('true');
    expect($('[data-testid=import-format-jsonl]')).toBeNull();
    $('[data-testid=import-as-suggestions]')!.click();
    await settle();
    expect($('[data-testid=import-as-suggestions]')!.getAttribute('aria-pressed')).toBe('true');
    expect($('[data-testid=import-as-suggestions] svg')).not.toBeNull();
    expect($('[data-testid=import-format-jsonl]')).not.toBeNull();
    expect($('[data-testid=import-hint]')!.textContent).toContain('predictions');
    pickFile(new File(['[{"data": {"image": "a.jpg"}, "predictions": []}]'], 'export.json', { type: 'application/json' }));
    await settle();
    expect(($('[data-testid=ls-send]') as HTMLButtonElement).disabled).toBe(true);
    expect($('[data-testid=import-order-needed]')!.textContent).toBe('模型建议要选一个订单');
    serve(() => json(200, { labelled: 0, created: 0, unlabelled: 0, skipped: 0, tasks: [], suggestions: suggested }));
    chooseOrder('9');
    await settle();
    await submit();
    expect(sent.map((x) => x.url)).toEqual(['/api/v1/datasets/3/labelstudio?order=9&as=suggestions']);
    expect($('[data-testid=suggest-result]')!.textContent).toBe('存入 2 条建议，丢掉 2 条，1 条预设的检查建议不变');
    const rows = $('[data-testid=suggest-dropped]')!.textContent!;
    expect(rows).toContain('第 2 条');
    expect(rows).toContain('订单没有这个类别');
    expect(rows).toContain('x.jpg');
    expect($('[data-testid=ls-result]')).toBeNull();
    expect(done).toBe(1);
    // Back to known answers: JSONL goes away.
    $('[data-testid=import-as-known]')!.click();
    await settle();
    expect($('[data-testid=import-format-jsonl]')).toBeNull();
    expect($('[data-testid=suggest-result]')).toBeNull();
  });

  it('posts a JSONL to the order and a YOLO ZIP with as=suggestions, in English too', async () => {
    setLang('en');
    serve((url) => json(200, url.includes('/orders/') ? suggested : { labelled: 0, unlabelled: 0, skipped: 0, images: [], suggestions: suggested }));
    $('[data-testid=import-as-suggestions]')!.click();
    await settle();
    $('[data-testid=import-format-jsonl]')!.click();
    await settle();
    chooseOrder('9');
    pickFile(new File(['{"name": "a.jpg", "question": "shape", "answer": "circle"}\n'], 'model.jsonl'));
    await settle();
    await submit();
    expect($('[data-testid=suggest-result]')!.textContent).toBe('Stored 2 suggestions, dropped 2, 1 planted checks kept');
    expect($('[data-testid=suggest-dropped]')!.textContent).toContain('Line 3');
    $('[data-testid=import-format-yolo]')!.click();
    await settle();
    pickFile(new File(['PK..'], 'preds.zip'));
    await settle();
    await submit();
    expect(sent.map((x) => [x.url, x.type])).toEqual([
      ['/api/v1/orders/9/suggestions', 'application/x-ndjson'],
      ['/api/v1/datasets/3/yolo?order=9&as=suggestions', 'application/zip'],
    ]);
    expect(sent[0].body).toContain('"question": "shape"');
    expect($('[data-testid=suggest-dropped]')!.textContent).toContain('Picture 2');
    expect($('[data-testid=suggest-dropped]')!.textContent).toContain('Not a class of the order');
  });
});

describe('import helpers', () => {
  it('addresses each format for what it makes', () => {
    expect(importUrl('labelstudio', 'known', 3, '')).toBe('/datasets/3/labelstudio');
    expect(importUrl('coco', 'known', 3, '9')).toBe('/datasets/3/coco?order=9');
    expect(importUrl('cvat', 'suggestions', 3, '9')).toBe('/datasets/3/cvat?order=9&as=suggestions');
    expect(importUrl('jsonl', 'suggestions', 3, '9')).toBe('/orders/9/suggestions');
    expect(contentType('jsonl', 'a.json')).toBe('application/x-ndjson');
    expect(dropWords('bad_score')).toBe('分数不在 0 到 1 之间');
    expect(dropWords('superseded')).toBe('superseded');
    expect(outcomeOf('jsonl', suggested).suggested).toEqual(suggested);
  });

  it('types each format and reads both outcome shapes', () => {
    expect(contentType('cvat', 'dump.ZIP')).toBe('application/zip');
    expect(contentType('cvat', 'a.xml')).toBe('application/xml');
    expect(contentType('yolo', 'a')).toBe('application/zip');
    expect(contentType('coco', 'a.json')).toBe('application/json');
    const o = outcomeOf('coco', images as Parameters<typeof outcomeOf>[1]);
    expect(o.rows).toEqual([{ index: 2, name: 'c.jpg', reason: 'object 0: a polygon has at least 3 points' }]);
    expect(o.created).toBe(0);
  });
});
