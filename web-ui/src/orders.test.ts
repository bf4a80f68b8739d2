import { describe, expect, it } from 'vitest';
import { fenToYuanInput, parseYuan } from './money';
import {
  buildSpec,
  costSoFarFen,
  emptyOrderForm,
  formFromSpec,
  keyFromName,
  newLabelRow,
  orderActions,
  partFor,
  partForFile,
  looksLikeConversation,
  progressParts,
  rejectKey,
  suggestHotkey,
  summariseUpload,
  fileSize,
  type OrderForm,
} from './orders';
import { dictionaries } from './i18n';
import { parseClientHash } from './pages/client/nav';
import { goldText } from './pages/client/Dataset';

describe('parseYuan', () => {
  it('reads yuan as typed into integer fen', () => {
    expect(parseYuan('0.3')).toBe(30);
    expect(parseYuan('0.30')).toBe(30);
    expect(parseYuan('¥1.05')).toBe(105);
    expect(parseYuan('￥ 2')).toBe(200);
    expect(parseYuan('1,000.50')).toBe(100050);
    expect(parseYuan(' 12 元')).toBe(1200);
    expect(parseYuan('.5')).toBe(50);
    expect(parseYuan('3.')).toBe(300);
    expect(parseYuan('0')).toBe(0);
    // no float drift: 0.29 * 100 is 28.999… as a float
    expect(parseYuan('0.29')).toBe(29);
    expect(parseYuan('1.13')).toBe(113);
  });
  it('refuses what is not a plain non-negative amount', () => {
    for (const s of ['-1', '-0.3', 'abc', '', ' ', '¥', '1.234', '1,00', '1e3', '0x10', '1.2.3', '.', 'NaN', '12,34.5'])
      expect(parseYuan(s), s).toBeNull();
  });
  it('formats fen back for the input', () => {
    expect(fenToYuanInput(30)).toBe('0.30');
    expect(fenToYuanInput(100050)).toBe('1000.50');
    expect(parseYuan(fenToYuanInput(105))).toBe(105);
  });
});

function boxForm(): OrderForm {
  const f = emptyOrderForm();
  f.name = ' 形状框 ';
  f.task_type = 'bbox';
  f.labels = [];
  for (const [zh, en] of [
    ['圆形', 'Circle'],
    ['正方形', 'Square'],
  ]) {
    const row = newLabelRow(f.labels);
    row.name_zh = zh;
    row.name_en = en;
    f.labels.push(row);
  }
  f.overlap_kind = 'dynamic';
  f.overlap_min = '2';
  f.overlap_max = '4';
  f.overlap_target = '90';
  f.gold_share = '10';
  f.max_gold_items = '6';
  f.piece_rate = '¥0.3';
  f.box_rate = '0.05';
  f.box_pay_cap = '5';
  return f;
}

describe('buildSpec', () => {
  it('builds the API spec from the form, money in integer fen', () => {
    const r = buildSpec(boxForm());
    if (!('spec' in r)) throw new Error(JSON.stringify(r));
    const s = r.spec;
    expect(s.name).toBe('形状框');
    expect(s.task_type).toBe('bbox');
    expect(s.labels.map((l) => [l.key, l.name_zh, l.name_en, l.hotkey])).toEqual([
      ['circle', '圆形', 'Circle', '1'],
      ['square', '正方形', 'Square', '2'],
    ]);
    expect(s.labels[0].colour).toMatch(/^#[0-9a-f]{6}$/);
    expect(s.overlap).toEqual({ kind: 'dynamic', min: 2, max: 4, target: 0.9 });
    expect(s.gold_share).toBeCloseTo(0.1);
    expect(s.max_gold_items).toBe(6);
    expect(s.piece_rate_fen).toBe(30);
    expect(s.box_rate_fen).toBe(5);
    expect(s.box_pay_cap).toBe(5);
    expect(Number.isInteger(s.piece_rate_fen)).toBe(true);
    expect(s.unit_size).toBe(20);
    expect(s.deadline).toBeNull();
    expect(s.required_level).toBeNull();
    expect(s.required_qualification).toBeNull();
    expect(s.eligible_centres).toEqual([]);
    // the JSON has no float price
    expect(JSON.stringify(s)).toContain('"piece_rate_fen":30,');
  });
  it('leaves box pay out of other task types and reads fixed overlap', () => {
    const f = boxForm();
    f.task_type = 'single_choice';
    f.overlap_kind = 'fixed';
    f.overlap_n = '3';
    f.eligible_centres = '1, 2，3';
    f.required_level = 'expert';
    const r = buildSpec(f);
    if (!('spec' in r)) throw new Error(JSON.stringify(r));
    expect(r.spec.box_rate_fen).toBe(0);
    expect(r.spec.box_pay_cap).toBe(0);
    expect(r.spec.overlap).toEqual({ kind: 'fixed', n: 3 });
    expect(r.spec.eligible_centres).toEqual([1, 2, 3]);
    expect(r.spec.required_level).toBe('expert');
  });
  it('names the field of the first problem', () => {
    const cases: [Partial<OrderForm>, string][] = [
      [{ name: '  ' }, 'name'],
      [{ piece_rate: '-1' }, 'piece_rate_fen'],
      [{ piece_rate: 'abc' }, 'piece_rate_fen'],
      [{ overlap_min: '5', overlap_max: '3' }, 'overlap'],
      [{ overlap_target: '40' }, 'overlap'],
      [{ gold_share: '60' }, 'gold_share'],
      [{ max_gold_items: 'x' }, 'max_gold_items'],
      [{ unit_size: '0' }, 'unit_size'],
      [{ priority: '11' }, 'priority'],
      [{ eligible_centres: 'a' }, 'eligible_centres'],
    ];
    for (const [patch, field] of cases) {
      const r = buildSpec({ ...boxForm(), ...patch });
      expect('problem' in r && r.problem.field, JSON.stringify(patch)).toBe(field);
    }
    const f = boxForm();
    f.labels[1].hotkey = '1';
    expect(buildSpec(f)).toEqual({ problem: { field: 'labels', key: 'err_hotkey_twice' } });
    const g = boxForm();
    g.labels[1].key = 'circle';
    expect(buildSpec(g)).toEqual({ problem: { field: 'labels', key: 'err_label_key_twice' } });
    const h = boxForm();
    h.task_type = 'multi_label';
    h.labels = h.labels.slice(0, 1);
    expect(buildSpec(h)).toEqual({ problem: { field: 'labels', key: 'err_labels_two' } });
  });
  it('round-trips through the edit form', () => {
    const r = buildSpec(boxForm());
    if (!('spec' in r)) throw new Error('bad');
    const again = buildSpec(formFromSpec(r.spec));
    expect(again).toEqual(r);
  });
  it('suggests hotkeys 1..9 not yet used, and keys from English names', () => {
    expect(suggestHotkey([])).toBe('1');
    expect(suggestHotkey(['1', '2', '4'])).toBe('3');
    expect(suggestHotkey(['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'])).toBe('');
    const a = newLabelRow([]);
    const b = newLabelRow([a]);
    expect([a.hotkey, b.hotkey]).toEqual(['1', '2']);
    expect(a.colour).not.toBe(b.colour);
    expect(keyFromName(' Traffic light! ')).toBe('traffic_light');
  });
});

describe('orders', () => {
  it('offers the actions of each state', () => {
    expect(orderActions('draft')).toEqual(['publish', 'edit', 'cancel']);
    expect(orderActions('open')).toEqual(['pause', 'sync', 'cancel']);
    expect(orderActions('paused')).toEqual(['resume', 'sync', 'cancel']);
    expect(orderActions('cancelled')).toEqual([]);
  });
  it('splits progress and estimates cost in fen', () => {
    const counts = { items: 54, resolved: 20, escalated: 4, gold_items: 6, labels: 90, units: 9 };
    expect(progressParts(counts)).toEqual({ resolved: 20, escalated: 4, open: 30, total: 54 });
    expect(progressParts({ ...counts, items: 0 })).toEqual({ resolved: 0, escalated: 0, open: 0, total: 0 });
    const r = buildSpec(boxForm());
    if (!('spec' in r)) throw new Error('bad');
    expect(costSoFarFen({ counts, spec: r.spec })).toBe(2700);
  });
  it('reads the client views from the hash', () => {
    expect(parseClientHash('')).toEqual({ page: 'home' });
    expect(parseClientHash('#/datasets/3')).toEqual({ page: 'dataset', id: 3 });
    expect(parseClientHash('#/orders/new?dataset=4')).toEqual({ page: 'new-order', dataset: 4 });
    expect(parseClientHash('#/orders/new')).toEqual({ page: 'new-order', dataset: null });
    expect(parseClientHash('#/orders/7')).toEqual({ page: 'order', id: 7 });
    expect(parseClientHash('#/orders/7/edit')).toEqual({ page: 'edit-order', id: 7 });
    expect(parseClientHash('#code=AB')).toEqual({ page: 'home' });
  });
  it('says a gold answer in a word', () => {
    expect(goldText({ label: 'circle' })).toBe('circle');
    expect(goldText({ labels: ['a', 'b'] })).toBe('a · b');
    expect(goldText({ boxes: [{ label: 'star' }, { label: 'star' }] })).toBe('star');
    expect(goldText(null)).toBe('');
  });
});

describe('uploads', () => {
  it('puts text tables in `texts`, the rest in `files`', () => {
    expect(partFor('a.jpg')).toBe('files');
    expect(partFor('shapes.zip')).toBe('files');
    expect(partFor('manifest.csv')).toBe('files');
    expect(partFor('MANIFEST.JSONL')).toBe('files');
    expect(partFor('comments.csv')).toBe('texts');
    expect(partFor('reviews.jsonl')).toBe('texts');
  });
  it('puts JSONL conversations in `conversations`, by their first line', async () => {
    const file = (name: string, body: string) => Object.assign(new Blob([body]), { name });
    expect(await partForFile(file('pairs.jsonl', '{"prompt": "q", "responses": ["a", "b"], "preferred": 0}\n'))).toBe('conversations');
    expect(await partForFile(file('sft.JSONL', '\uFEFF\n{"messages": [{"role": "user", "content": "hi"}]}\n'))).toBe('conversations');
    expect(await partForFile(file('x.ndjson', '{"instruction": "i", "output": "o"}'))).toBe('conversations');
    expect(await partForFile(file('reviews.jsonl', '{"text": "好评", "prompt": "not this"}\n'))).toBe('texts');
    expect(await partForFile(file('reviews.jsonl', 'not json'))).toBe('texts');
    expect(await partForFile(file('reviews.csv', 'prompt,text\n'))).toBe('texts');
    expect(await partForFile(file('a.jpg', '{"prompt": 1}'))).toBe('files');
    expect(looksLikeConversation('[1]')).toBe(false);
    expect(looksLikeConversation('{"response_a": "x", "response_b": "y", "prompt": "q"}')).toBe(true);
  });
  it('summarises the outcome, rejected first, with reasons counted', () => {
    const s = summariseUpload({
      files: [
        { file_name: 'a.jpg', status: 'accepted', item_id: 1, code: null, message: null },
        { file_name: 'b.jpg', status: 'duplicate', item_id: 1, code: null, message: null },
        { file_name: 'c.txt', status: 'rejected', item_id: null, code: 'not_an_image', message: 'not an image' },
        { file_name: 'd.png', status: 'rejected', item_id: null, code: 'truncated', message: 'cut' },
        { file_name: 'e.png', status: 'rejected', item_id: null, code: 'not_an_image', message: 'x' },
      ],
      accepted: 1,
      duplicates: 1,
      rejected: 3,
    });
    expect([s.accepted, s.duplicates, s.rejected, s.total]).toEqual([1, 1, 3, 5]);
    expect(s.files.map((f) => f.file_name)).toEqual(['c.txt', 'd.png', 'e.png', 'b.jpg', 'a.jpg']);
    expect(s.reasons).toEqual([
      { code: 'not_an_image', n: 2 },
      { code: 'truncated', n: 1 },
    ]);
  });
  it('counts from the list when the totals are missing', () => {
    const s = summariseUpload({ files: [{ file_name: 'a', status: 'accepted', item_id: 1, code: null, message: null }] } as never);
    expect([s.accepted, s.duplicates, s.rejected]).toEqual([1, 0, 0]);
  });
  it('has words for the rejection codes in both languages', () => {
    for (const code of ['not_an_image', 'too_large', 'decompression_bomb', 'truncated', 'zero_bytes', 'unsafe_path', 'symlink', 'decode_busy']) {
      const k = rejectKey(code);
      expect(k, code).not.toBeNull();
      expect(dictionaries.en[k!]).toBeTruthy();
      expect(dictionaries['zh-CN'][k!]).toBeTruthy();
    }
    expect(rejectKey('something_new')).toBeNull();
    expect(rejectKey(null)).toBeNull();
  });
  it('shows sizes shortly', () => {
    expect(fileSize(500)).toBe('500 B');
    expect(fileSize(1536)).toBe('1.5 KB');
    expect(fileSize(30 * 1024 * 1024)).toBe('30 MB');
  });
});

import { goldAnswer } from './pages/client/GoldPicker';
describe('gold answers', () => {
  it('takes the shape of the order', () => {
    expect(goldAnswer('single_choice', ['cat'])).toEqual({ label: 'cat' });
    expect(goldAnswer('text_classification', ['spam'])).toEqual({ label: 'spam' });
    expect(goldAnswer('single_choice', [])).toBeNull();
    expect(goldAnswer('multi_label', ['a', 'b'])).toEqual({ labels: ['a', 'b'] });
    expect(goldAnswer('multi_label', [])).toEqual({ labels: [] });
    expect(goldAnswer('bbox', ['a'])).toBeNull();
  });
});

import { exampleRole, setExampleRole } from './pages/client/ExamplePicker';
describe('example pictures', () => {
  it('puts an item with one label or the instructions, never two', () => {
    const a = newLabelRow([]);
    const b = newLabelRow([a]);
    let v = setExampleRole(7, '0', [a, b], []);
    expect(v.labels.map((l) => l.examples)).toEqual([[7], []]);
    expect(exampleRole(7, v.labels, v.instruction_examples)).toBe('0');
    v = setExampleRole(7, '1', v.labels, v.instruction_examples);
    expect(v.labels.map((l) => l.examples)).toEqual([[], [7]]);
    v = setExampleRole(7, 'instructions', v.labels, v.instruction_examples);
    expect(v.labels.map((l) => l.examples)).toEqual([[], []]);
    expect(v.instruction_examples).toEqual([7]);
    expect(exampleRole(7, v.labels, v.instruction_examples)).toBe('instructions');
    v = setExampleRole(7, '', v.labels, v.instruction_examples);
    expect(v.instruction_examples).toEqual([]);
    expect(exampleRole(7, v.labels, v.instruction_examples)).toBe('');
  });
});

import { uploadErrorKey } from './orders';
describe('upload errors', () => {
  it('has words for the upload-level codes', () => {
    for (const c of ['payload_too_large', 'too_many_files', 'no_files', 'invalid_multipart', 'bad_manifest']) {
      const k = uploadErrorKey(c);
      expect(k, c).not.toBeNull();
      expect(dictionaries.en[k!]).toBeTruthy();
    }
    expect(uploadErrorKey('forbidden')).toBeNull();
  });
});

import { etaText, exportFormats } from './pages/client/OrderPage';

describe('order page helpers', () => {
  it('offers box formats only for box orders', () => {
    expect(exportFormats('single_choice').map((f) => f.format)).toEqual(['jsonl', 'csv', 'labelstudio']);
    expect(exportFormats('bbox').map((f) => f.format)).toContain('coco&source=gold');
    expect(exportFormats('bbox')).toHaveLength(7);
  });
  it('offers the drawing formats by the kinds they carry', () => {
    const f = (kinds: string[]) => exportFormats('template', kinds).map((x) => x.format);
    expect(f(['choice', 'polygon'])).toEqual(['jsonl', 'csv', 'labelstudio', 'coco', 'coco&source=gold', 'yolo', 'cvat']);
    expect(f(['mask'])).toContain('yolo');
    // COCO writes the keypoints (not the lines); YOLO and CVAT read the first drawing question.
    expect(f(['polyline', 'keypoints'])).toEqual(['jsonl', 'csv', 'labelstudio', 'coco', 'coco&source=gold', 'cvat']);
    expect(f(['polyline'])).toEqual(['jsonl', 'csv', 'labelstudio', 'cvat']);
    expect(f(['choice'])).not.toContain('cvat');
  });
  it('says when an order should be done', () => {
    expect(etaText({ labels_remaining: 0, eta_seconds: null })).toBe(dictionaries['zh-CN'].eta_done);
    expect(etaText({ labels_remaining: 5, eta_seconds: null })).toBe(dictionaries['zh-CN'].eta_unknown);
    expect(etaText({ labels_remaining: 5, eta_seconds: 600 })).toBe('约 10 分钟');
    expect(etaText({ labels_remaining: 5, eta_seconds: 3 * 3600 })).toBe('约 3 小时');
  });
});
