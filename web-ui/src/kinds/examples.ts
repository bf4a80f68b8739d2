// The server's example template (mudou_domain::template::examples::shop), for tests and as
// the builder's starting point.

import type { Template } from './types';

export function shopTemplate(): Template {
  return {
    layout: 'one',
    fields: [{ name: 'image', kind: 'image' }],
    questions: [
      {
        key: 'class', kind: 'choice', title_zh: '是什么?', title_en: 'What is it?', field: 'image',
        options: [
          { key: 'car', name_zh: '车', name_en: 'Car', hotkey: '1', icon: '🚗' },
          { key: 'bike', name_zh: '自行车', name_en: 'Bike', hotkey: '2', icon: '🚲' },
          { key: 'other', name_zh: '其他', name_en: 'Other', hotkey: '3' },
        ],
      },
      {
        key: 'sides', kind: 'multi_choice', title_zh: '看到哪几面?', when: { question: 'class', any_of: ['car'] }, required: false,
        options: [
          { key: 'front', name_zh: '前', hotkey: 'q' },
          { key: 'side', name_zh: '侧', hotkey: 'w' },
        ],
      },
      {
        key: 'stars', kind: 'rating', title_zh: '照片清楚吗?', settings: { tolerance: 1 },
        options: [
          { key: 's1', name_zh: '很差', icon: '😣' },
          { key: 's2', name_zh: '差', icon: '🙁' },
          { key: 's3', name_zh: '一般', icon: '😐' },
          { key: 's4', name_zh: '好', icon: '🙂' },
          { key: 's5', name_zh: '很好', icon: '😀' },
        ],
      },
      { key: 'plate', kind: 'text', title_zh: '车牌号', required: false, when: { question: 'class', any_of: ['car'] }, settings: { max_chars: 10 } },
      { key: 'price', kind: 'number', title_zh: '价格', required: false, settings: { min: 0, max: 1000, step: 0.01, unit: '元', tolerance: 0.5 } },
      {
        key: 'objects', kind: 'boxes', title_zh: '框出人', field: 'image', required: false,
        options: [{ key: 'person', name_zh: '人', hotkey: 'p' }],
        settings: {
          attributes: [
            { key: 'occluded', name_zh: '被挡住' },
            { key: 'pose', name_zh: '姿势', options: [{ key: 'standing', name_zh: '站' }, { key: 'sitting', name_zh: '坐' }] },
          ],
        },
      },
    ],
  };
}
