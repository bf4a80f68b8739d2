import { describe, expect, it } from 'vitest';
import { hotkeyOf, keyAction } from './hotkeys';
import { answeredCount, current, freshFen, initUnit, ticksOf, unitReducer, type UnitState } from './unit';
import type { Assignment, LabelDef } from './types';

const label = (key: string, hotkey: string | null = null): LabelDef => ({
  key,
  name_zh: key,
  name_en: key,
  colour: '#1e88e5',
  hotkey,
  examples: [],
});

function unit(n: number, extra: Partial<Assignment> = {}, task: Assignment['order']['task_type'] = 'single_choice'): Assignment {
  return {
    id: 7,
    lease_expires_at: 0,
    order: {
      id: 1,
      name: 'o',
      task_type: task,
      labels: [label('cat', '1'), label('dog', '2')],
      instructions: '',
      instruction_examples: [],
      piece_rate_fen: 5,
    },
    items: Array.from({ length: n }, (_, i) => ({
      item_id: 100 + i,
      kind: 'image',
      thumb_url: null,
      screen_url: `/s/${i}`,
      text: null,
      width: 480,
      height: 360,
      answer: null,
      skip_reason: null,
    })),
    ...extra,
  };
}

const cat = { label: 'cat' };
const dog = { label: 'dog' };

describe('unit state', () => {
  it('answers move on; the last answer finishes the unit', () => {
    let s = initUnit(unit(3), new Map(), 0);
    expect(s.index).toBe(0);
    s = unitReducer(s, { type: 'answer', answer: cat, now: 1 });
    expect(s.index).toBe(1);
    expect(s.shownAt).toBe(1);
    s = unitReducer(s, { type: 'skip', reason: 'unclear', now: 2 });
    s = unitReducer(s, { type: 'answer', answer: dog, now: 3 });
    expect(s.phase).toBe('finished');
    expect(answeredCount(s)).toBe(3);
    expect(freshFen(s)).toBe(10); // two answers × 5 fen; the skip earns nothing
    // nothing changes once finished
    expect(unitReducer(s, { type: 'back', now: 4 })).toBe(s);
  });

  it('goes back, changes an answer, and returns to the first open item; a change earns nothing more', () => {
    let s = initUnit(unit(4), new Map(), 0);
    s = unitReducer(s, { type: 'answer', answer: cat, now: 1 });
    s = unitReducer(s, { type: 'answer', answer: cat, now: 2 });
    expect(s.index).toBe(2);
    s = unitReducer(s, { type: 'back', now: 3 });
    s = unitReducer(s, { type: 'back', now: 3 });
    expect(s.index).toBe(0);
    expect(unitReducer(s, { type: 'back', now: 3 }).index).toBe(0);
    s = unitReducer(s, { type: 'forward', now: 3 });
    expect(s.index).toBe(1);
    s = unitReducer(s, { type: 'answer', answer: dog, now: 4 });
    expect(s.given[101]).toEqual({ answer: dog, skip: null });
    expect(s.index).toBe(2); // the first item with nothing given
    expect(freshFen(s)).toBe(10);
    // forward stops at an open item
    expect(unitReducer(s, { type: 'forward', now: 5 }).index).toBe(2);
  });

  it('opens where the server and the outbox left off (a reload)', () => {
    const a = unit(4);
    a.items[0].answer = cat;
    a.items[1].skip_reason = 'broken_file';
    const queued = new Map([[102, { client_uuid: 'u', assignment_id: 7, item_id: 102, answer: dog, duration_ms: 1 }]]);
    const s = initUnit(a, queued, 0);
    expect(s.index).toBe(3);
    expect(s.given[102]).toEqual({ answer: dog, skip: null });
    expect(freshFen(s)).toBe(5); // only the queued answer is new today
    const all = initUnit(unit(1, { items: [{ ...a.items[0] }] }), new Map(), 0);
    expect(all.phase).toBe('finished');
  });

  it('multi-label: ticks toggle, starting from the earlier answer', () => {
    let s: UnitState = initUnit(unit(2, {}, 'multi_label'), new Map(), 0);
    s = unitReducer(s, { type: 'toggle', key: 'cat' });
    s = unitReducer(s, { type: 'toggle', key: 'dog' });
    s = unitReducer(s, { type: 'toggle', key: 'cat' });
    expect(ticksOf(s)).toEqual(['dog']);
    s = unitReducer(s, { type: 'answer', answer: { labels: ticksOf(s) }, now: 1 });
    expect(current(s).item_id).toBe(101);
    s = unitReducer(s, { type: 'back', now: 2 });
    expect(ticksOf(s)).toEqual(['dog']);
  });

  it('training: each answer waits for the feedback, then Next moves on', () => {
    let s = initUnit(unit(2, { training: true }), new Map(), 0);
    s = unitReducer(s, { type: 'answer', answer: dog, now: 1 });
    expect(s.phase).toBe('feedback');
    expect(s.index).toBe(0);
    expect(unitReducer(s, { type: 'answer', answer: cat, now: 1 })).toBe(s);
    s = unitReducer(s, { type: 'feedback', item_id: 100, result: { correct: false, answer: cat } });
    expect(s.feedback?.result).toEqual({ correct: false, answer: cat });
    expect(s.feedback?.arrived).toBe(true);
    s = unitReducer(s, { type: 'next', now: 2 });
    expect(s.phase).toBe('answering');
    expect(s.index).toBe(1);
  });
});

describe('hotkeys', () => {
  const labels = [label('cat', '1'), label('dog', 'D')];
  it('picks labels by their hotkey (any case), confirms, goes back and forward', () => {
    const ctx = { task: 'single_choice' as const, labels };
    expect(keyAction({ key: '1' }, ctx)).toEqual({ type: 'label', key: 'cat' });
    expect(keyAction({ key: 'd' }, ctx)).toEqual({ type: 'label', key: 'dog' });
    expect(keyAction({ key: 'D' }, ctx)).toEqual({ type: 'label', key: 'dog' });
    expect(keyAction({ key: '2' }, ctx)).toBeNull();
    expect(keyAction({ key: 'Enter' }, ctx)).toEqual({ type: 'confirm' });
    expect(keyAction({ key: 'ArrowLeft' }, ctx)).toEqual({ type: 'back' });
    expect(keyAction({ key: 'Backspace' }, ctx)).toEqual({ type: 'back' });
    expect(keyAction({ key: 'ArrowRight' }, ctx)).toEqual({ type: 'forward' });
    expect(keyAction({ key: '1', ctrlKey: true }, ctx)).toBeNull();
    expect(keyAction({ key: 'F1' }, ctx)).toEqual({ type: 'help' });
  });

  it('numbers labels by position when the order gives no hotkeys', () => {
    const plain = [label('a'), label('b'), label('c')];
    expect(hotkeyOf(plain, 2)).toBe('3');
    expect(keyAction({ key: '2' }, { task: 'multi_label', labels: plain })).toEqual({ type: 'label', key: 'b' });
    // some with, some without: only the given ones
    expect(hotkeyOf([label('a', 'x'), label('b')], 1)).toBeNull();
  });

  it('boxes: with a box chosen, Delete removes it and arrows nudge it (Shift: 10 px)', () => {
    const ctx = { task: 'bbox' as const, labels, boxSelected: true };
    expect(keyAction({ key: 'Delete' }, ctx)).toEqual({ type: 'delete' });
    expect(keyAction({ key: 'Backspace' }, ctx)).toEqual({ type: 'delete' });
    expect(keyAction({ key: 'ArrowLeft' }, ctx)).toEqual({ type: 'nudge', dx: -1, dy: 0 });
    expect(keyAction({ key: 'ArrowDown', shiftKey: true }, ctx)).toEqual({ type: 'nudge', dx: 0, dy: 10 });
    expect(keyAction({ key: 'ArrowLeft' }, { ...ctx, boxSelected: false })).toEqual({ type: 'back' });
    expect(keyAction({ key: 'Backspace' }, { ...ctx, boxSelected: false })).toBeNull();
    expect(keyAction({ key: 'z', ctrlKey: true }, ctx)).toEqual({ type: 'undo' });
    expect(keyAction({ key: 'Z', metaKey: true }, ctx)).toEqual({ type: 'undo' });
  });
});
