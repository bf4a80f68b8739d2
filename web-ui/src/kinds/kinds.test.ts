import { describe, expect, it } from 'vitest';
import { KINDS, kindOf } from './index';
import { shopTemplate } from './examples';
import { askedQuestions, cleanAnswer, fieldsOfItem, hotkeyTable, isComplete, problems, readAloudText, stepAfterAnswer, stepper } from './template';
import type { Question } from './types';
import { dictionaries } from '../i18n';
import { kindsEn, kindsZh } from './words';

const shop = shopTemplate();
const q = (key: string) => shop.questions.find((x) => x.key === key)!;
const check = (key: string, v: unknown) => kindOf(q(key).kind)!.check(q(key), v);

describe('the kinds registry', () => {
  it('has one plug-in per kind, each with an editor, a review and checks', () => {
    expect(Object.keys(KINDS).sort()).toEqual(['boxes', 'choice', 'finding', 'keypoints', 'mask', 'multi_choice', 'number', 'pairwise', 'polygon', 'polyline', 'ranking', 'rating', 'rotated_box', 'rubric', 'text', 'writing']);
    for (const [name, k] of Object.entries(KINDS)) {
      expect(k.name).toBe(name);
      expect(typeof k.Editor).toBe('function');
      expect(typeof k.Review).toBe('function');
    }
  });
  it('has every word in both languages', () => {
    expect(Object.keys(kindsEn).sort()).toEqual(Object.keys(kindsZh).sort());
    for (const k of Object.keys(kindsZh)) expect(dictionaries.en[k as keyof typeof kindsZh]).toBeTruthy();
  });
});

describe('choice', () => {
  it('takes one of its options', () => {
    expect(check('class', 'car')).toBeNull();
    expect(check('class', 'boat')).toEqual({ key: 'q_bad' });
    expect(check('class', ['car'])).toEqual({ key: 'q_bad' });
  });
  it('reads the title and the option names', () => {
    expect(readAloudText(q('class'), 'zh-CN')).toBe('是什么?：车，自行车，其他');
    expect(readAloudText(q('class'), 'en')).toBe('What is it?：Car，Bike，Other');
    expect(readAloudText({ ...q('class'), read_aloud: '看看是什么' }, 'zh-CN')).toBe('看看是什么');
  });
});

describe('multi_choice', () => {
  it('takes a list of its options, none twice, and keeps them in order', () => {
    expect(check('sides', [])).toBeNull();
    expect(check('sides', ['side', 'front'])).toBeNull();
    expect(check('sides', ['front', 'front'])).toEqual({ key: 'q_bad' });
    expect(check('sides', ['top'])).toEqual({ key: 'q_bad' });
    expect(check('sides', 'front')).toEqual({ key: 'q_bad' });
    expect(KINDS.multi_choice.normalise!(q('sides'), ['side', 'front'])).toEqual(['front', 'side']);
    expect(KINDS.multi_choice.pick!(q('sides'), ['side'], 'front')).toEqual(['front', 'side']);
    expect(KINDS.multi_choice.pick!(q('sides'), ['side', 'front'], 'side')).toEqual(['front']);
  });
  it('reads its options', () => expect(readAloudText(q('sides'), 'zh-CN')).toBe('看到哪几面?：前，侧'));
});

describe('rating', () => {
  it('takes a whole step from 1 to N', () => {
    expect(check('stars', 1)).toBeNull();
    expect(check('stars', 5)).toBeNull();
    expect(check('stars', 0)).toEqual({ key: 'q_range', vars: { min: 1, max: 5 } });
    expect(check('stars', 6)?.key).toBe('q_range');
    expect(check('stars', 2.5)?.key).toBe('q_range');
    expect(check('stars', 's2')?.key).toBe('q_range');
  });
  it('names a step by its option key and its word', () => {
    expect(KINDS.rating.chosen(q('stars'), 4)).toEqual(['s4']);
    expect(KINDS.rating.pick!(q('stars'), undefined, 's2')).toBe(2);
    expect(KINDS.rating.text(q('stars'), 4, 'zh-CN')).toBe('4/5 好');
    expect(readAloudText(q('stars'), 'zh-CN')).toBe('照片清楚吗?：很差，差，一般，好，很好');
  });
});

describe('number', () => {
  it('checks the range and the steps', () => {
    expect(check('price', 12.5)).toBeNull();
    expect(check('price', 0)).toBeNull();
    expect(check('price', 1000)).toBeNull();
    expect(check('price', 1000.5)).toEqual({ key: 'q_range', vars: { min: 0, max: 1000 } });
    expect(check('price', -1)?.key).toBe('q_range');
    expect(check('price', 3.333)).toEqual({ key: 'q_step', vars: { step: 0.01 } });
    expect(check('price', 0.1 + 0.2)).toBeNull();
    expect(check('price', '12a')).toEqual({ key: 'q_not_number' });
    expect(KINDS.number.isBlank!(q('price'), '')).toBe(true);
  });
  it('reads the title, the range and the unit', () => {
    expect(readAloudText(q('price'), 'zh-CN')).toBe('价格，在 0 到 1000 之间，元');
  });
});

describe('text', () => {
  it('checks the limit on the trimmed text, in characters', () => {
    expect(check('plate', ' 粤B12345 ')).toBeNull();
    expect(check('plate', '粤B123456789')).toEqual({ key: 'q_too_long', vars: { n: 11, max: 10 } });
    expect(check('plate', '😀😀😀😀😀😀😀😀😀😀')).toBeNull();
    expect(check('plate', 'a\u0007b')).toEqual({ key: 'q_bad' });
    expect(KINDS.text.isBlank!(q('plate'), '   ')).toBe(true);
    expect(KINDS.text.normalise!(q('plate'), ' 粤B1 ')).toBe('粤B1');
  });
  it('defaults to 100 characters', () => {
    const free: Question = { key: 'note', kind: 'text', title_zh: '备注' };
    expect(KINDS.text.check(free, 'x'.repeat(100))).toBeNull();
    expect(KINDS.text.check(free, 'x'.repeat(101))?.key).toBe('q_too_long');
    expect(readAloudText(free, 'zh-CN')).toBe('备注');
  });
});

describe('boxes', () => {
  const box = { label: 'person', x: 1, y: 2, w: 30, h: 20 };
  it('checks classes, sizes and attributes', () => {
    expect(check('objects', [])).toBeNull();
    expect(check('objects', [box])).toBeNull();
    expect(check('objects', [{ ...box, attributes: { occluded: true, pose: 'sitting' } }])).toBeNull();
    expect(check('objects', [{ ...box, label: 'car' }])).toEqual({ key: 'q_bad' });
    expect(check('objects', [{ ...box, w: 0 }])).toEqual({ key: 'q_bad' });
    expect(check('objects', [{ ...box, attributes: { pose: 'lying' } }])).toEqual({ key: 'q_bad' });
    expect(check('objects', [{ ...box, attributes: { occluded: 'yes' } }])).toEqual({ key: 'q_bad' });
    expect(check('objects', [{ ...box, attributes: { colour: 'red' } }])).toEqual({ key: 'q_bad' });
  });
  it('reads its classes and counts boxes in words', () => {
    expect(readAloudText(q('objects'), 'zh-CN')).toBe('框出人：人');
    expect(KINDS.boxes.text(q('objects'), [box, box], 'zh-CN')).toBe('人 × 2');
  });
});

describe('conditions', () => {
  it('asks the car questions only for a car', () => {
    const keys = (a: Record<string, unknown>) => askedQuestions(shop, a).map((x) => x.key);
    expect(keys({})).toEqual(['class', 'stars', 'price', 'objects']);
    expect(keys({ class: 'car' })).toEqual(['class', 'sides', 'stars', 'plate', 'price', 'objects']);
    expect(keys({ class: 'bike' })).toEqual(['class', 'stars', 'price', 'objects']);
  });
  it('drops the answers of questions no longer asked', () => {
    const a = { class: 'car', sides: ['side', 'front'], plate: ' 粤B12345 ', stars: 4 };
    expect(cleanAnswer(shop, a)).toEqual({ class: 'car', sides: ['front', 'side'], stars: 4, plate: '粤B12345' });
    expect(cleanAnswer(shop, { ...a, class: 'bike' })).toEqual({ class: 'bike', stars: 4 });
    expect(cleanAnswer(shop, { class: 'bike', stars: 2, price: undefined, plate: '' })).toEqual({ class: 'bike', stars: 2 });
  });
  it('follows a chain: a condition on a question not asked does not hold', () => {
    const t = shopTemplate();
    t.questions.splice(2, 0, { key: 'front_ok', kind: 'choice', title_zh: '前面好吗', when: { question: 'sides', any_of: ['front'] }, options: [{ key: 'y', name_zh: '好' }, { key: 'n', name_zh: '坏' }] });
    expect(askedQuestions(t, { class: 'car', sides: ['front'] }).map((x) => x.key)).toContain('front_ok');
    expect(askedQuestions(t, { class: 'bike', sides: ['front'] }).map((x) => x.key)).not.toContain('front_ok');
    // a condition on a rating names its step's key
    t.questions.push({ key: 'why', kind: 'text', title_zh: '为什么差', when: { question: 'stars', any_of: ['s1', 's2'] } });
    expect(askedQuestions(t, { class: 'bike', stars: 2 }).map((x) => x.key)).toContain('why');
    expect(askedQuestions(t, { class: 'bike', stars: 3 }).map((x) => x.key)).not.toContain('why');
  });
  it('names each problem: required, range, limit', () => {
    expect(problems(shop, {})).toEqual({ class: { key: 'q_required' }, stars: { key: 'q_required' } });
    expect(problems(shop, { class: 'car', stars: 9, plate: 'x'.repeat(11), price: 2000 })).toEqual({
      stars: { key: 'q_range', vars: { min: 1, max: 5 } },
      plate: { key: 'q_too_long', vars: { n: 11, max: 10 } },
      price: { key: 'q_range', vars: { min: 0, max: 1000 } },
    });
    // a hidden question's bad answer is no problem: it is dropped
    expect(isComplete(shop, { class: 'bike', stars: 3, plate: 'x'.repeat(50) })).toBe(true);
  });
  it('collects the asked questions’ hotkeys', () => {
    const m = hotkeyTable(askedQuestions(shop, { class: 'car' }));
    expect(m.get('q')).toEqual({ q: q('sides'), option: 'front' });
    expect(m.get('p')?.option).toBe('person');
    expect(hotkeyTable(askedQuestions(shop, { class: 'bike' })).has('q')).toBe(false);
  });
});

describe('the phone stepper', () => {
  it('goes one question at a time; a tap on a choice moves on to what the answer opened', () => {
    let a: Record<string, unknown> = {};
    let s = stepper(shop, a, 0);
    expect(s.list.length).toBe(4);
    expect(s.canNext).toBe(false);
    a = { class: 'car' };
    const i = stepAfterAnswer(shop, a, 'class', 0);
    expect(i).toBe(1);
    s = stepper(shop, a, i);
    expect(s.list[s.index].key).toBe('sides');
    expect(s.list.length).toBe(6);
    expect(s.canNext).toBe(true); // optional
    // a multiple choice stays for more taps
    a = { ...a, sides: ['front'] };
    expect(stepAfterAnswer(shop, a, 'sides', 1)).toBe(1);
    // a rating moves on
    a = { ...a, stars: 4 };
    expect(stepAfterAnswer(shop, a, 'stars', 2)).toBe(3);
    s = stepper(shop, a, 99);
    expect(s.index).toBe(5);
    expect(s.last).toBe(true);
  });
  it('a changed answer that hides questions keeps the index inside the list', () => {
    const a = { class: 'bike' };
    const s = stepper(shop, a, 5);
    expect(s.list.length).toBe(4);
    expect(s.index).toBe(3);
    expect(stepAfterAnswer(shop, a, 'class', 0)).toBe(1);
  });
});

describe('fields of an item', () => {
  it('falls back to the item of before as its one field', () => {
    const f = fieldsOfItem(shop, { kind: 'image', screen_url: '/s', thumb_url: '/t', width: 10, height: 20, text: null });
    expect(f[0].def.name).toBe('image');
    expect(f[0].data).toMatchObject({ name: 'image', screen_url: '/s', width: 10 });
  });
  it('takes the fields by name', () => {
    const t = { layout: 'swipe' as const, fields: [{ name: 'before', kind: 'image' as const }, { name: 'after', kind: 'image' as const }], questions: [] };
    const f = fieldsOfItem(t, { fields: [{ name: 'after', kind: 'image', screen_url: '/a' }, { name: 'before', kind: 'image', screen_url: '/b' }] });
    expect(f.map((x) => x.data.screen_url)).toEqual(['/b', '/a']);
  });
});

describe('a template answer in words where the template is not at hand', () => {
  it('lead and client pages fall back to each question and its answer', async () => {
    const { formShort, answerText } = await import('../lead/review');
    expect(formShort({ class: 'car', sides: ['front', 'side'], stars: 4, objects: [{ label: 'person' }] })).toBe('class: car · sides: front、side · stars: 4 · objects: ×1');
    expect(answerText({ class: 'car' } as never, [], 'zh-CN')).toBe('class: car');
    const { answerParts } = await import('../earnings/format');
    expect(answerParts({ class: 'car', stars: 4 }, {}, 'zh-CN').parts.map((p) => p.name)).toEqual(['class: car', 'stars: 4']);
  });
});
