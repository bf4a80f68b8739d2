import { beforeEach, describe, expect, it } from 'vitest';
import { initLang, setLang } from '../i18n';
import {
  alertText,
  answerText,
  boxesOf,
  cleanAnswer,
  nothingAgreed,
  pauseText,
  pct,
  sortWorkers,
  type AlertOut,
  type LabelDef,
  type WorkerRow,
} from './review';

const labels: LabelDef[] = [
  { key: 'cat', name_zh: '猫', name_en: 'Cat', colour: '#111111' },
  { key: 'dog', name_zh: '狗', name_en: 'Dog', colour: '#222222' },
];

function row(over: Partial<WorkerRow>): WorkerRow {
  return {
    annotator_id: 1,
    display_name: '王芳',
    photo_url: null,
    level: 'trainee',
    disabled: false,
    labels: 0,
    skips: 0,
    gold_total: 0,
    gold_correct: 0,
    gold_accuracy: null,
    gold_low: null,
    gold_high: null,
    judged: 0,
    agreement: null,
    skill: null,
    median_seconds: null,
    items_per_hour: null,
    active_hours: 0,
    too_fast: false,
    spam_like: false,
    trend: [],
    pauses: [],
    qualifications: [],
    ...over,
  };
}

describe('lead review helpers', () => {
  beforeEach(() => {
    localStorage.clear();
    initLang();
  });

  it('says answers in words, in the language shown', () => {
    expect(answerText({ label: 'cat' }, labels, 'zh-CN')).toBe('猫');
    expect(answerText({ label: 'cat' }, labels, 'en')).toBe('Cat');
    expect(answerText({ labels: ['cat', 'dog'] }, labels, 'zh-CN')).toBe('猫、狗');
    expect(answerText({ labels: [] }, labels, 'zh-CN')).toBe('∅');
    const boxes = { boxes: [{ label: 'cat', x: 1, y: 1, w: 2, h: 2 }, { label: 'cat', x: 5, y: 5, w: 2, h: 2 }] };
    expect(answerText(boxes, labels, 'en')).toBe('Cat ×2');
    expect(answerText({ boxes: [] }, labels, 'zh-CN')).toBe('没有框');
    expect(answerText(null, labels, 'zh-CN')).toBe('—');
    expect(answerText({ label: 'cow' }, labels, 'zh-CN')).toBe('cow');
  });

  it('keeps only well-formed boxes and strips the consensus extras', () => {
    const a = { boxes: [{ label: 'cat', x: 1, y: 2, w: 3, h: 4, support: 2, mean_iou: 0.8 } as never, { label: 'dog' } as never] };
    expect(boxesOf(a)).toHaveLength(1);
    expect(cleanAnswer(a)).toEqual({ boxes: [{ label: 'cat', x: 1, y: 2, w: 3, h: 4 }] });
    expect(cleanAnswer({ label: 'cat' })).toEqual({ label: 'cat' });
    expect(cleanAnswer({ labels: ['dog'] })).toEqual({ labels: ['dog'] });
  });

  it('finds a drawing disagreement: no shape agreed where annotators drew', () => {
    const drew = { turned: [{ label: 'star', cx: 10, cy: 10, w: 5, h: 5, angle: 4 }] };
    expect(nothingAgreed({ turned: [] }, [drew, drew])).toBe(true);
    // everyone drew nothing: "nothing there" is agreed
    expect(nothingAgreed({ turned: [] }, [{ turned: [] }, { turned: [] }])).toBe(false);
    expect(nothingAgreed({ turned: drew.turned }, [drew, drew])).toBe(false);
    // answers of other kinds, and none
    expect(nothingAgreed({ label: 'cat' }, [{ label: 'dog' }])).toBe(false);
    expect(nothingAgreed({ answer: '好' }, [{ answer: '好' }])).toBe(false);
    expect(nothingAgreed(null, [drew])).toBe(false);
  });

  it('sorts the quality table, people without a figure last', () => {
    const rows = [
      row({ annotator_id: 1, display_name: '甲', gold_accuracy: 0.9, labels: 10 }),
      row({ annotator_id: 2, display_name: '乙', gold_accuracy: null, labels: 30 }),
      row({ annotator_id: 3, display_name: '丙', gold_accuracy: 0.4, labels: 20, too_fast: true }),
    ];
    expect(sortWorkers(rows, 'gold_accuracy', 'asc').map((r) => r.annotator_id)).toEqual([3, 1, 2]);
    expect(sortWorkers(rows, 'gold_accuracy', 'desc').map((r) => r.annotator_id)).toEqual([1, 3, 2]);
    expect(sortWorkers(rows, 'labels', 'desc').map((r) => r.annotator_id)).toEqual([2, 3, 1]);
    expect(sortWorkers(rows, 'flags', 'desc')[0].annotator_id).toBe(3);
  });

  it('says percentages and alerts in words', () => {
    expect(pct(0.456)).toBe('46%');
    expect(pct(null)).toBe('—');
    const a: AlertOut = {
      id: 1,
      text: 'paused',
      about_id: 7,
      about_name: '杨洋',
      order_id: 3,
      order_name: '形状',
      pause_id: 2,
      data: { event: 'paused', reason: 'gold_accuracy', figures: { accuracy: 0.41, gold_correct: 18, gold_total: 44, threshold: 0.7 } },
      created_at: 0,
      read_at: null,
    };
    expect(alertText(a)).toBe('杨洋 在“形状”被暂停：金标准正确率 41%（18/44），低于 70%');
    setLang('en');
    expect(alertText({ ...a, data: { event: 'paused', reason: 'too_fast', figures: { median_seconds: 1.25 } } })).toBe(
      '杨洋 paused on "形状": too fast, median 1.3 s per item',
    );
    expect(alertText({ ...a, data: { event: 'promoted', from: 'trainee', to: 'standard' } })).toBe('杨洋 moved up: Trainee → Standard');
    expect(alertText({ ...a, data: null })).toBe('paused');
    expect(pauseText({ reason: 'lead', figures: null, note: 'rest' })).toBe('Paused by lead: rest');
    expect(pauseText({ reason: 'gold_accuracy', figures: { accuracy: 0.4, gold_correct: 4, gold_total: 10 }, note: null })).toBe(
      'Gold accuracy too low: 40% (4/10)',
    );
  });
});
