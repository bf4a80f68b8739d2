import { describe, expect, it } from 'vitest';
import { answerParts, bonusFigures, boxesIn, fenFromYuan, groupBy, niceMax, pauseRuleKey, percent, reasonKey, spokenYuan, topBottom } from './format';

describe('earnings helpers', () => {
  it('says money the way people say it', () => {
    expect(spokenYuan(4260, 'zh-CN')).toBe('42元6角');
    expect(spokenYuan(4205, 'zh-CN')).toBe('42元零5分');
    expect(spokenYuan(4265, 'zh-CN')).toBe('42元6角5分');
    expect(spokenYuan(0, 'zh-CN')).toBe('0元');
    expect(spokenYuan(-150, 'zh-CN')).toBe('负1元5角');
    expect(spokenYuan(4260, 'en')).toBe('42 yuan 60');
    expect(spokenYuan(4200, 'en')).toBe('42 yuan');
  });

  it('names every reason', () => {
    expect(reasonKey('differs')).toBe('pay_reason_differs');
    expect(reasonKey('rejected')).toBe('pay_reason_rejected');
    expect(reasonKey('paused:gold_accuracy')).toBe('pay_reason_paused');
    expect(reasonKey('answer_changed')).toBe('pay_reason_answer_changed');
    expect(reasonKey('skipped')).toBe('pay_reason_skipped');
    expect(reasonKey(null)).toBe('pay_reason_differs');
  });

  it('shows answers by their label names', () => {
    const names = { cat: { name_zh: '猫', name_en: 'Cat', colour: '#111111' }, dog: { name_zh: '狗', name_en: 'Dog', colour: '#222222' } };
    expect(answerParts({ label: 'cat' }, names, 'zh-CN').parts).toEqual([{ name: '猫', colour: '#111111' }]);
    expect(answerParts({ labels: ['cat', 'dog'] }, names, 'en').parts.map((p) => p.name)).toEqual(['Cat', 'Dog']);
    const boxes = answerParts({ boxes: [{ label: 'cat' }, { label: 'cat' }, { label: 'dog' }] }, names, 'zh-CN');
    expect(boxes.boxes).toBe(3);
    expect(boxes.parts.map((p) => p.name)).toEqual(['猫×2', '狗']);
    expect(answerParts(null, names, 'zh-CN').parts).toEqual([]);
    expect(answerParts({ label: 'cow' }, names, 'zh-CN').parts[0]).toEqual({ name: 'cow', colour: null });
  });

  it('reads a bonus', () => {
    expect(bonusFigures('{"gold_correct":39,"gold_seen":40,"bonus_pct":5,"base_fen":100}')).toEqual({ c: 39, s: 40, pct: 5 });
    expect(bonusFigures('nope')).toBeNull();
    expect(bonusFigures(null)).toBeNull();
  });

  it('rounds axes, picks the top and bottom, reads yuan', () => {
    expect([0, 1, 3, 7, 12, 99, 101, 4500].map(niceMax)).toEqual([1, 1, 5, 10, 20, 100, 200, 5000]);
    const rows = [{ v: 3 }, { v: 9 }, { v: null }, { v: 1 }, { v: 5 }];
    const tb = topBottom(rows, (r) => r.v, 2);
    expect(tb.top.map((r) => r.v)).toEqual([9, 5]);
    expect(tb.bottom.map((r) => r.v)).toEqual([1, 3]);
    const few = topBottom([{ v: 1 }, { v: 2 }, { v: 3 }], (r) => r.v, 2);
    expect(few.top.map((r) => r.v)).toEqual([3, 2]);
    expect(few.bottom.map((r) => r.v)).toEqual([1]);
    expect(percent(0.956)).toBe('96%');
    expect(percent(null)).toBe('—');
    expect(fenFromYuan('5')).toBe(500);
    expect(fenFromYuan('¥12.5')).toBe(1250);
    expect(fenFromYuan('-1.05')).toBe(-105);
    expect(fenFromYuan('1.234')).toBeNull();
    expect(fenFromYuan('abc')).toBeNull();
  });
});

describe('unpaid groups', () => {
  it('names the rule behind a pause', () => {
    expect(pauseRuleKey('paused:too_fast')).toBe('pay_rule_too_fast');
    expect(pauseRuleKey('paused:lead')).toBe('pay_rule_lead');
    expect(pauseRuleKey('differs')).toBeNull();
  });
  it('finds the boxes of an answer of before and of a template', () => {
    const b = { label: 'car', x: 1, y: 2, w: 30, h: 40 };
    expect(boxesIn({ boxes: [b] })).toEqual([b]);
    expect(boxesIn({ shapes: [b], kind: 'star' })).toEqual([b]);
    expect(boxesIn({ label: 'cat' })).toEqual([]);
    expect(boxesIn(null)).toEqual([]);
  });
  it('groups rows, the biggest group first', () => {
    const g = groupBy(['a', 'b', 'b', 'c', 'b', 'a'], (x) => x);
    expect(g.map((x) => [x.key, x.rows.length])).toEqual([
      ['b', 3],
      ['a', 2],
      ['c', 1],
    ]);
  });
});
