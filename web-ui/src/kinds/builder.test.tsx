import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setFetch } from '../api';
import { setLang } from '../i18n';
import { buildSpec, emptyOrderForm, formFromSpec } from '../orders';
import { TemplateBuilder } from '../pages/client/TemplateBuilder';
import { adaptStarter, checkTemplate, cleanTemplate, moveQuestion, newQuestion, questionOfPath, removeQuestion, starterFor, starterTemplate, withKind } from './builder';
import { DEFAULT_MATCH_MM } from './finding/model';
import { geometry, mdv1, server } from '../medical/synthetic';
import { shopTemplate } from './examples';
import type { FieldKind, Question, Template } from './types';

describe('the template builder', () => {
  it('builds a valid spec for a template order: labels empty, the template cleaned', () => {
    const f = { ...emptyOrderForm(), name: '店铺照片', task_type: 'template' as const, template: shopTemplate() };
    const out = buildSpec(f);
    if (!('spec' in out)) throw new Error(JSON.stringify(out));
    expect(out.spec.task_type).toBe('template');
    expect(out.spec.labels).toEqual([]);
    expect(out.spec.template!.questions.map((q) => q.key)).toEqual(['class', 'sides', 'stars', 'plate', 'price', 'objects']);
    expect(out.spec.template!.questions[4].settings).toEqual({ min: 0, max: 1000, step: 0.01, unit: '元', tolerance: 0.5 });
    expect(out.spec.template!.questions[0]).toMatchObject({ required: true, when: null, field: 'image' });
    expect(out.spec.template!.questions[1].when).toEqual({ question: 'class', any_of: ['car'] });
    // a boxes question pays per box too
    const withRate = buildSpec({ ...f, box_rate: '0.02', box_pay_cap: '10' });
    if (!('spec' in withRate)) throw new Error('no spec');
    expect([withRate.spec.box_rate_fen, withRate.spec.box_pay_cap]).toEqual([2, 10]);
    // and reads back into the form
    expect(formFromSpec(out.spec).template).toEqual(out.spec.template);
    // the starter template is valid as it is, once its options have names
    const s = starterTemplate();
    s.questions[0].title_zh = '是什么';
    s.questions[0].options = s.questions[0].options!.map((o, i) => ({ ...o, name_zh: '选项' + i }));
    expect(checkTemplate(cleanTemplate(s))).toBeNull();
  });

  it('names the path of the first problem, as the server does', () => {
    const broken = (f: (t: Template) => void) => {
      const t = shopTemplate();
      f(t);
      return checkTemplate(cleanTemplate(t))?.field;
    };
    expect(broken(() => {})).toBeUndefined();
    expect(broken((t) => (t.questions[0].options = []))).toBe('template.questions[0].options');
    expect(broken((t) => (t.questions[1].options![0].hotkey = '1'))).toBe('template.questions[1].options[0].hotkey');
    expect(broken((t) => (t.questions[1].when = { question: 'stars', any_of: ['s1'] }))).toBe('template.questions[1].when.question');
    expect(broken((t) => (t.questions[1].when = { question: 'class', any_of: ['boat'] }))).toBe('template.questions[1].when.any_of');
    expect(broken((t) => (t.questions[4].settings = { min: 5, max: 1 }))).toBe('template.questions[4].settings');
    expect(broken((t) => (t.questions[5].field = null))).toBe('template.questions[5].field');
    expect(broken((t) => (t.questions[1].key = 'class'))).toBe('template.questions[1].key');
    expect(broken((t) => (t.fields = []))).toBe('template.fields');
    expect(broken((t) => (t.layout = 'swipe'))).toBe('template.layout');
    expect(broken((t) => t.questions.forEach((q) => (q.required = false)))).toBe('template.questions');
    const f = { ...emptyOrderForm(), name: 'x', task_type: 'template' as const, template: shopTemplate() };
    f.template.questions[2].title_zh = ' ';
    expect(buildSpec(f)).toEqual({ problem: { field: 'template.questions[2].title_zh', key: 'err_tpl_title' } });
  });

  it('maps a path to its question', () => {
    expect(questionOfPath('template.questions[2].options')).toBe(2);
    expect(questionOfPath('template.questions[12]')).toBe(12);
    expect(questionOfPath('template.fields[0].name')).toBeNull();
    expect(questionOfPath('name')).toBeNull();
  });

  it('adds, changes kind, moves and removes questions; a removed question takes its conditions with it', () => {
    let t = shopTemplate();
    const q = newQuestion(t, 'number');
    expect(q.key).toBe('q1');
    expect(q.settings).toEqual({ min: 0, max: 100 });
    const r = withKind(q, 'rating', t);
    expect(r.options!.length).toBe(3);
    const b = withKind(q, 'boxes', t);
    expect(b.field).toBe('image');
    t = moveQuestion(t, 1, -1);
    expect(t.questions.slice(0, 2).map((x) => x.key)).toEqual(['sides', 'class']);
    expect(checkTemplate(cleanTemplate(t))?.field).toBe('template.questions[0].when.question');
    t = removeQuestion(moveQuestion(t, 0, 1), 0);
    expect(t.questions.find((x) => x.key === 'sides')!.when).toBeNull();
    expect(t.questions.find((x) => x.key === 'plate')!.when).toBeNull();
  });
});

describe('the builder page', () => {
  let root: HTMLElement;
  beforeEach(() => {
    setLang('zh-CN');
    root = document.createElement('div');
    document.body.appendChild(root);
    setFetch(async () => new Response(JSON.stringify({ items: [] }), { status: 200, headers: { 'Content-Type': 'application/json' } }));
  });
  afterEach(() => {
    render(null, root);
    root.remove();
  });
  it('shows a 422 next to the question its path names, and previews with the workbench form', async () => {
    let tpl = shopTemplate();
    const err = { field: 'template.questions[2].options', text: '问题 3 不对', detail: 'a rating has 2 to 10 steps' };
    await act(() => render(<TemplateBuilder value={tpl} onChange={(x) => (tpl = x)} error={err} datasetId={null} />, root));
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
    const cards = [...root.querySelectorAll('[data-testid=tb-question]')];
    expect(cards.length).toBe(6);
    const withError = cards.filter((c) => c.querySelector('[role=alert]'));
    expect(withError.map((c) => c.getAttribute('data-index'))).toEqual(['2']);
    expect(withError[0].textContent).toContain('a rating has 2 to 10 steps');
    // the preview is the workbench's own form
    const preview = root.querySelector('[data-testid=tb-preview] [data-testid=template-form]');
    expect(preview).toBeTruthy();
    expect([...preview!.querySelectorAll('[data-testid=q-card]')].map((c) => c.getAttribute('data-question'))).toEqual(['class', 'stars', 'price', 'objects']);
    // moving a question up changes the template
    (cards[3].querySelector('[data-testid=tb-up]') as HTMLButtonElement).click();
    expect(tpl.questions[2].key).toBe('plate');
  });
});

describe('the builder keeps typed numbers with their question', () => {
  let root: HTMLElement;
  beforeEach(() => {
    setLang('zh-CN');
    root = document.createElement('div');
    document.body.appendChild(root);
    setFetch(async () => new Response(JSON.stringify({ items: [] }), { status: 200, headers: { 'Content-Type': 'application/json' } }));
  });
  afterEach(() => {
    render(null, root);
    root.remove();
  });
  it('a moved question shows its own settings', async () => {
    let tpl: Template = shopTemplate();
    const draw = () => act(() => render(<TemplateBuilder value={tpl} onChange={(x) => ((tpl = x), void draw())} error={null} datasetId={null} />, root));
    await draw();
    const max = () => (root.querySelector('input[name=tbq4_max]') as HTMLInputElement | null)?.value;
    expect(max()).toBe('1000');
    (root.querySelectorAll('[data-testid=tb-question]')[4].querySelector('[data-testid=tb-up]') as HTMLButtonElement).click();
    await draw();
    expect(max()).toBeUndefined(); // question 5 is the text now
    expect((root.querySelector('input[name=tbq3_max]') as HTMLInputElement).value).toBe('1000');
    expect((root.querySelector('input[name=tbq4_max_chars]') as HTMLInputElement).value).toBe('10');
  });
});

/** The demo's finding question (crates/mudou/src/demo.rs, `medical_order`), as the server takes it. */
const option = (key: string, name_zh: string, name_en: string) => ({ key, name_zh, name_en });
const DEMO_FINDING = {
  key: 'aneurysm',
  kind: 'finding',
  field: 'series',
  title_zh: '标出动脉瘤',
  title_en: 'Mark aneurysms',
  settings: {
    attributes: [
      {
        key: 'location',
        name_zh: '位置',
        name_en: 'Location',
        required: true,
        options: [option('ica', '颈内动脉', 'ICA'), option('mca', '大脑中动脉', 'MCA'), option('acom', '前交通', 'ACom'), option('pcom', '后交通', 'PCom'), option('basilar', '基底动脉', 'Basilar')],
      },
      { key: 'size', name_zh: '大小', name_en: 'Size', options: [option('small', '<7mm', '<7 mm'), option('medium', '7-12mm', '7–12 mm'), option('large', '>12mm', '>12 mm')] },
    ],
    outline: true,
    match_mm: 5,
  },
};

/** A template of a series and a picture, its one question a finding like the demo's. */
function findingTemplate(): Template {
  const t: Template = {
    layout: 'one',
    fields: [
      { name: 'photo', kind: 'image', title_zh: '', title_en: '' },
      { name: 'series', kind: 'series', title_zh: '影像', title_en: 'Series' },
    ],
    questions: [],
  };
  return { ...t, questions: [{ ...withKind(newQuestion(t, 'choice'), 'finding', t), ...structuredClone(DEMO_FINDING) }] };
}

describe('a finding question in the builder', () => {
  it('becomes a finding on the series, with no options and the server’s defaults', () => {
    const t = findingTemplate();
    const q = withKind({ ...newQuestion(t, 'choice'), field: 'photo' }, 'finding', t);
    expect(q.field).toBe('series');
    expect(q.options).toEqual([]);
    expect(q.settings).toEqual({ attributes: [], match_mm: 5, outline: false });
    // its attributes survive a change of kind to another drawing kind and back
    const attrs = DEMO_FINDING.settings.attributes;
    expect(withKind(withKind({ ...q, settings: { ...q.settings, attributes: attrs } }, 'polygon', t), 'finding', t).settings!.attributes).toEqual(attrs);
    // the demo's question is fine as it is; outline off is left out, max_findings only when set
    expect(checkTemplate(cleanTemplate(t))).toBeNull();
    const clean = cleanTemplate({ ...t, questions: [{ ...t.questions[0], settings: { ...t.questions[0].settings, outline: false, max_findings: 8 } }] });
    expect(clean.questions[0].settings).toEqual({ attributes: attrs, match_mm: 5, max_findings: 8 });
  });

  it('finds what the server refuses, at the path the server names', () => {
    const broken = (f: (q: Question) => void) => {
      const t = findingTemplate();
      f(t.questions[0]);
      return checkTemplate(cleanTemplate(t));
    };
    const at = (f: (q: Question) => void) => broken(f)?.field;
    const attrs = (q: Question) => q.settings!.attributes!;
    expect(broken((q) => (q.settings!.match_mm = 0))).toEqual({ field: 'template.questions[0].settings.match_mm', key: 'err_tpl_match_mm' });
    expect(at((q) => (q.settings!.match_mm = 100.5))).toBe('template.questions[0].settings.match_mm');
    expect(at((q) => (q.settings!.match_mm = -3))).toBe('template.questions[0].settings.match_mm');
    expect(at((q) => (q.settings!.match_mm = 100))).toBeUndefined();
    expect(at((q) => (q.settings!.max_findings = 0))).toBe('template.questions[0].settings.max_findings');
    expect(at((q) => (q.settings!.max_findings = 2.5))).toBe('template.questions[0].settings.max_findings');
    expect(at((q) => (q.settings!.max_findings = 101))).toBe('template.questions[0].settings.max_findings');
    // an attribute with no options (a box's yes/no) is not a finding's
    expect(broken((q) => (attrs(q)[1].options = []))).toEqual({ field: 'template.questions[0].settings.attributes[1].options', key: 'err_tpl_attr_options' });
    expect(at((q) => (attrs(q)[0].options = attrs(q)[0].options!.slice(0, 1)))).toBe('template.questions[0].settings.attributes[0].options');
    // duplicate keys: of attributes, of an attribute's options
    expect(broken((q) => (attrs(q)[1].key = 'location'))).toEqual({ field: 'template.questions[0].settings.attributes[1].key', key: 'err_tpl_key' });
    expect(at((q) => (attrs(q)[0].options![2].key = 'ica'))).toBe('template.questions[0].settings.attributes[0].options[2].key');
    expect(at((q) => (attrs(q)[1].name_zh = ' '))).toBe('template.questions[0].settings.attributes[1].name_zh');
    expect(at((q) => (attrs(q)[1].options![0].name_zh = ''))).toBe('template.questions[0].settings.attributes[1].options[0].name_zh');
    expect(at((q) => (attrs(q)[0].options![0].hotkey = '1'))).toBe('template.questions[0].settings.attributes[0].options');
    expect(at((q) => q.settings!.attributes!.push(...Array.from({ length: 9 }, (_, i) => ({ ...attrs(q)[1], key: 'x' + i }))))).toBe('template.questions[0].settings.attributes');
    // on a picture, or without a field: a series is needed
    expect(broken((q) => (q.field = 'photo'))).toEqual({ field: 'template.questions[0].field', key: 'err_tpl_field_series' });
    expect(at((q) => (q.field = null))).toBe('template.questions[0].field');
    // a box's attribute may still be yes/no
    const boxes = shopTemplate();
    const objects = boxes.questions.find((q) => q.kind === 'boxes')!;
    objects.settings = { attributes: [{ key: 'occluded', name_zh: '被挡住', options: [] }] };
    expect(checkTemplate(cleanTemplate(boxes))).toBeNull();
  });
});

describe('the builder page makes a finding question', () => {
  let root: HTMLElement;
  beforeEach(() => {
    setLang('zh-CN');
    root = document.createElement('div');
    document.body.appendChild(root);
    setFetch(async () => new Response(JSON.stringify({ items: [] }), { status: 200, headers: { 'Content-Type': 'application/json' } }));
  });
  afterEach(() => {
    render(null, root);
    root.remove();
  });

  it('on the series, with attributes, outline and the distance: the JSON the server takes', async () => {
    const start: Template = {
      layout: 'one',
      fields: [
        { name: 'photo', kind: 'image', title_zh: '', title_en: '' },
        { name: 'series', kind: 'series', title_zh: '影像', title_en: 'Series' },
      ],
      questions: [],
    };
    let tpl: Template = { ...start, questions: [newQuestion(start, 'choice')] };
    const draw = () => act(() => render(<TemplateBuilder value={tpl} onChange={(x) => ((tpl = x), void draw())} error={null} datasetId={null} />, root));
    await draw();
    const el = <T extends Element = HTMLInputElement>(sel: string) => {
      const e = root.querySelector(sel);
      if (!e) throw new Error('no ' + sel);
      return e as unknown as T;
    };
    const type = async (name: string, value: string) => {
      const e = el(`[name="${name}"]`);
      e.value = value;
      await act(() => void e.dispatchEvent(new Event('input', { bubbles: true })));
    };
    const pick = async (sel: string, value: string) => {
      const e = el<HTMLSelectElement>(sel);
      e.value = value;
      await act(() => void e.dispatchEvent(new Event('change', { bubbles: true })));
    };
    const click = async (e: HTMLElement) => act(() => e.click());

    await pick('[data-testid=tb-kind]', 'finding');
    expect(tpl.questions[0]).toMatchObject({ kind: 'finding', field: 'series', options: [], settings: { match_mm: 5, outline: false } });
    // only series fields to put it on; no options of its own
    expect([...el<HTMLSelectElement>('[name=tbq0_field]').options].map((o) => o.value)).toEqual(['series']);
    expect(root.querySelector('[data-testid=tb-add-option]')).toBeNull();
    expect(el('[name=tbq0_match_mm]').value).toBe('5');
    expect(el('[name=tbq0_max_findings]').placeholder).toBe('20');
    expect(el('[name=tbq0_outline]').checked).toBe(false);
    expect(root.textContent).toContain('每个病灶要填的属性');

    await type('tbq0_title_zh', '标出动脉瘤');
    await type('tbq0_title_en', 'Mark aneurysms');
    await type('tbq0_key', 'aneurysm');
    for (const [i, a] of DEMO_FINDING.settings.attributes.entries()) {
      await click(el('[data-testid=tb-add-attribute]'));
      const pre = `tbq0_attr${i}`;
      await type(`${pre}_zh`, a.name_zh);
      await type(`${pre}_en`, a.name_en);
      await type(`${pre}_key`, a.key);
      if (a.required) await click(el(`[name=${pre}_required]`));
      for (const [j, o] of a.options.entries()) {
        await click(root.querySelectorAll('[data-testid=tb-attribute]')[i].querySelector('[data-testid=tb-attr-add-option]') as HTMLElement);
        await type(`${pre}_opt_zh_${j}`, o.name_zh);
        await type(`${pre}_opt_en_${j}`, o.name_en);
        await type(`${pre}_opt_key_${j}`, o.key);
      }
    }
    // before the outline is allowed, it is left out
    expect(cleanTemplate(tpl).questions[0].settings!.outline).toBeUndefined();
    await click(el('[name=tbq0_outline]'));
    const made = cleanTemplate(tpl);
    expect(checkTemplate(made)).toBeNull();
    // the demo's question, with the server's defaults of what it leaves out
    expect(made.questions[0]).toEqual({ ...DEMO_FINDING, required: true, when: null, options: [], read_aloud: '' });

    // the distance: a fraction is kept; 0 and past 100 mm are refused where the server refuses them
    await type('tbq0_match_mm', '2.5');
    expect(tpl.questions[0].settings!.match_mm).toBe(2.5);
    expect(checkTemplate(cleanTemplate(tpl))).toBeNull();
    for (const bad of ['0', '150']) {
      await type('tbq0_match_mm', bad);
      expect(checkTemplate(cleanTemplate(tpl))).toEqual({ field: 'template.questions[0].settings.match_mm', key: 'err_tpl_match_mm' });
    }
    await type('tbq0_match_mm', '3');
    await type('tbq0_max_findings', '8');
    expect(cleanTemplate(tpl).questions[0].settings).toMatchObject({ match_mm: 3, max_findings: 8, outline: true });

    // an attribute emptied of its options is refused, and the order is not sent
    const sizeOptions = () => root.querySelectorAll('[data-testid=tb-attribute]')[1].querySelectorAll('[data-testid=tb-attr-option] button');
    while (sizeOptions().length) await click(sizeOptions()[0] as HTMLElement);
    expect(tpl.questions[0].settings!.attributes![1].options).toEqual([]);
    const f = { ...emptyOrderForm(), name: '脑动脉瘤', task_type: 'template' as const, template: tpl };
    expect(buildSpec(f)).toEqual({ problem: { field: 'template.questions[0].settings.attributes[1].options', key: 'err_tpl_attr_options' } });
  });
});

/** A starter with its question titled and its options named: what a client must still write. */
function written(t: Template): Template {
  return { ...t, questions: t.questions.map((q) => ({ ...q, title_zh: '标出', options: (q.options ?? []).map((o, i) => ({ ...o, name_zh: '选项' + i })) })) };
}
const untitled = (name: string, kind: FieldKind) => ({ name, kind, title_zh: '', title_en: '' });

describe('a starter template from the dataset’s fields', () => {
  it('a medical series: the series field and a finding on it, with the finding’s defaults', () => {
    const t = starterFor([{ name: 'series', kind: 'series' }]);
    expect(t.fields).toEqual([untitled('series', 'series')]);
    expect(t.questions).toEqual([
      { key: 'q1', kind: 'finding', title_zh: '', title_en: '', required: true, field: 'series', options: [], settings: { attributes: [], match_mm: DEFAULT_MATCH_MM, outline: false } },
    ]);
    expect(checkTemplate(cleanTemplate(t))).toEqual({ field: 'template.questions[0].title_zh', key: 'err_tpl_title' });
    expect(checkTemplate(cleanTemplate(written(t)))).toBeNull();
  });

  it('a picture: the choice of two (hotkeys 1, 2) on it, as before any dataset', () => {
    const t = starterFor([{ name: 'image', kind: 'image' }]);
    expect(t).toEqual(starterTemplate());
    expect(t.fields).toEqual([untitled('image', 'image')]);
    expect(t.questions[0]).toMatchObject({ kind: 'choice', field: 'image' });
    expect(t.questions[0].options!.map((o) => [o.key, o.hotkey])).toEqual([
      ['o1', '1'],
      ['o2', '2'],
    ]);
    // a picture of another name: the question is about it
    expect(starterFor([{ name: 'photo', kind: 'image' }]).questions[0].field).toBe('photo');
    expect(checkTemplate(cleanTemplate(written(t)))).toBeNull();
  });

  it('a text: a choice on the text', () => {
    const t = starterFor([{ name: 'text', kind: 'text' }]);
    expect(t.fields).toEqual([untitled('text', 'text')]);
    expect(t.questions[0]).toMatchObject({ kind: 'choice', field: 'text', settings: {} });
    expect(checkTemplate(cleanTemplate(written(t)))).toBeNull();
  });

  it('a record of mixed fields: every field in order, the question on the first', () => {
    const llm = starterFor([
      { name: 'prompt', kind: 'conversation' },
      { name: 'response_1', kind: 'markdown' },
      { name: 'response_2', kind: 'markdown' },
    ]);
    expect(llm.fields).toEqual([untitled('prompt', 'conversation'), untitled('response_1', 'markdown'), untitled('response_2', 'markdown')]);
    expect(llm.questions.map((q) => [q.kind, q.field])).toEqual([['choice', 'prompt']]);
    expect(checkTemplate(cleanTemplate(written(llm)))).toBeNull();
    // a picture first, a series after: a choice on the picture; a series first: a finding
    expect(starterFor([{ name: 'photo', kind: 'image' }, { name: 'ct', kind: 'series' }]).questions.map((q) => [q.kind, q.field])).toEqual([['choice', 'photo']]);
    const ct = starterFor([{ name: 'ct', kind: 'series' }, { name: 'report', kind: 'text' }]);
    expect(ct.questions.map((q) => [q.kind, q.field])).toEqual([['finding', 'ct']]);
    expect(checkTemplate(cleanTemplate(written(ct)))).toBeNull();
    // no more fields than a template shows, none of a kind it cannot; none at all: a picture
    const many = starterFor(Array.from({ length: 10 }, (_, i) => ({ name: 'f' + i, kind: 'text' as const })));
    expect(many.fields.map((f) => f.name)).toEqual(['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7']);
    expect(checkTemplate(cleanTemplate(written(many)))).toBeNull();
    expect(starterFor([{ name: 'x', kind: 'video' as FieldKind }, { name: 'y', kind: 'text' }]).fields).toEqual([untitled('y', 'text')]);
    expect(starterFor([])).toEqual(starterTemplate());
  });

  it('replaces only a template the client has not touched', () => {
    const series = [{ name: 'series', kind: 'series' as const }];
    const text = [{ name: 'text', kind: 'text' as const }];
    // the first starter, then the one put in for a dataset: replaced by the next dataset's
    const first = adaptStarter(starterTemplate(), starterTemplate(), series)!;
    expect(first).toEqual(starterFor(series));
    expect(adaptStarter(first, first, text)).toEqual(starterFor(text));
    // already this dataset's starter (the builder shown again): it stays so
    expect(adaptStarter(first, starterTemplate(), series)).toEqual(first);
    // anything changed: kept
    const titled = { ...first, questions: [{ ...first.questions[0], title_zh: '标出' }] };
    expect(adaptStarter(titled, first, text)).toBeNull();
    const moreFields = { ...starterTemplate(), fields: [...starterTemplate().fields, untitled('field2', 'image')] };
    expect(adaptStarter(moreFields, starterTemplate(), series)).toBeNull();
    expect(adaptStarter(shopTemplate(), starterTemplate(), series)).toBeNull();
  });
});

describe('the builder page starts from the dataset’s fields', () => {
  const SHA = 'c7'.repeat(32);
  const items: Record<number, unknown> = {
    // the demo's 头颅CT示例: one field, a series
    1: { id: 11, kind: 'series', file_name: 'ct', tag: '', text: null, width: 8, height: 6, thumb_url: null, screen_url: null, gold: null, fields: [{ name: 'series', kind: 'series', width: 8, height: 6, volume: geometry(8, 6, 4), volume_url: `/api/v1/volumes/${SHA}` }] },
    2: { id: 21, kind: 'text', file_name: 'a.txt', tag: '', text: '你好', width: null, height: null, thumb_url: null, screen_url: null, gold: null, fields: [{ name: 'prompt', kind: 'text', text: '你好' }, { name: 'response_1', kind: 'markdown', text: '**好**' }] },
  };
  let root: HTMLElement;
  let tpl: Template;
  let datasetId: number | null;
  /** The sample items asked for, each answered when its gate opens. */
  let gates: (() => void)[];
  let held: boolean;
  const draw = (): Promise<void> =>
    act(() => render(<TemplateBuilder value={tpl} onChange={(x) => ((tpl = x), void draw())} error={null} datasetId={datasetId} />, root));
  const settle = () =>
    act(async () => {
      for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 20));
    });

  beforeEach(() => {
    setLang('zh-CN');
    root = document.createElement('div');
    document.body.appendChild(root);
    tpl = starterTemplate();
    gates = [];
    held = false;
    setFetch(async (input) => {
      const m = /\/datasets\/(\d+)\/items/.exec(String(input));
      if (held) await new Promise<void>((r) => gates.push(r));
      return new Response(JSON.stringify({ items: m && items[Number(m[1])] ? [items[Number(m[1])]] : [] }), { status: 200, headers: { 'Content-Type': 'application/json' } });
    });
    // the series' volume, for the preview's viewer (jsdom has no canvas)
    const vol = server(mdv1('i16', geometry(8, 6, 4), (_x, _y, z) => z), SHA);
    vi.stubGlobal('fetch', (u: string) => vol.fetcher(String(u)));
    vi.stubGlobal('ImageData', class {
      data: Uint8ClampedArray;
      constructor(readonly width: number, readonly height: number) {
        this.data = new Uint8ClampedArray(width * height * 4);
      }
    });
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(() => ({ putImageData: () => {} }) as never);
  });
  afterEach(() => {
    render(null, root);
    root.remove();
    vi.restoreAllMocks();
    vi.unstubAllGlobals();
  });

  it('on a series dataset: the series field and a finding on it, the series in the preview; another dataset adapts it again', async () => {
    datasetId = 1;
    await draw();
    await settle();
    expect(tpl.fields).toEqual([untitled('series', 'series')]);
    expect(tpl.questions.map((q) => [q.kind, q.field])).toEqual([['finding', 'series']]);
    expect(tpl.questions[0].settings).toMatchObject({ match_mm: DEFAULT_MATCH_MM, outline: false });
    // the builder shows it: the field's kind is 医学影像, the question a finding
    expect((root.querySelector('[name=tb_field_name_0]') as HTMLInputElement).value).toBe('series');
    expect((root.querySelector('[data-testid=tb-field] select') as HTMLSelectElement).value).toBe('series');
    expect((root.querySelector('[data-testid=tb-kind]') as HTMLSelectElement).value).toBe('finding');
    // the preview shows the series itself, not "not loaded"
    const preview = root.querySelector('[data-testid=tb-preview]')!;
    // (the finding's editor is loaded when first shown, then the volume)
    for (let i = 0; i < 50 && !preview.querySelector('[data-testid=vw-count]'); i++) await settle();
    expect(preview.querySelector('[data-testid=vw-count]')?.textContent).toMatch(/\/ 4$/);
    expect(preview.textContent).not.toContain('影像没有载入');
    // the outline switch sits beside its words, like 必填
    const outline = root.querySelector('[name=tbq0_outline]')!.closest('label')!;
    const required = root.querySelector('[name=tbq0_required]')!.closest('label')!;
    expect(outline.className).toBe(required.className);
    expect(outline.querySelector('span')!.className).toBe(required.querySelector('span')!.className);

    // still untouched: another dataset's fields replace it
    datasetId = 2;
    await draw();
    await settle();
    expect(tpl).toEqual(starterFor([{ name: 'prompt', kind: 'text' }, { name: 'response_1', kind: 'markdown' }]));
    // once the client wrote something, a dataset changes nothing
    const title = root.querySelector('[name=tbq0_title_zh]') as HTMLInputElement;
    title.value = '哪个更好?';
    await act(() => void title.dispatchEvent(new Event('input', { bubbles: true })));
    const mine = tpl;
    datasetId = 1;
    await draw();
    await settle();
    expect(tpl).toBe(mine);
    expect(tpl.questions[0]).toMatchObject({ kind: 'choice', field: 'prompt', title_zh: '哪个更好?' });
  });

  it('a sample arriving after the client edited the template leaves their work alone', async () => {
    held = true;
    datasetId = 1;
    await draw();
    await settle();
    expect(gates.length).toBe(1);
    // the client adds a question before the sample is back
    await act(() => (root.querySelector('[data-testid=tb-add-question]') as HTMLButtonElement).click());
    const mine = tpl;
    expect(mine.questions.length).toBe(2);
    gates.forEach((open) => open());
    await settle();
    expect(tpl).toBe(mine);
    expect(tpl.fields).toEqual([untitled('image', 'image')]);
  });
});
