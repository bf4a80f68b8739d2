// Findings on a medical series (issue 31, contract §5): numbered markers at voxels of the
// question's `series` field, each with attributes from the question's list, a diameter and
// (when allowed) an outline; "nothing found" an explicit empty list. The editor and review
// view (the viewer with them) load on first use.

import type { QuestionKindUI } from '../index';
import { t, type Lang } from '../../i18n';
import { lazyEditor } from '../lazy';
import { questionTitle, type Question } from '../types';
import { checkFinding, findingSettings, findingsOf, findingWords, nameOf, normaliseFinding } from './model';
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ReviewProps } from '../index';

function text(q: Question, v: unknown, lang: Lang): string {
  const list = findingsOf(v);
  if (!list.length) return v ? t('fd_none', {}, lang) : t('q_not_answered', {}, lang);
  return `${t('fd_n', { n: list.length }, lang)}：${list.map((f, i) => findingWords(q, f, i, lang)).join('；')}`;
}

function readAloud(q: Question, lang: Lang): string {
  const attrs = findingSettings(q)
    .attributes.map((a) => nameOf(a, lang))
    .join(lang === 'en' ? ', ' : '、');
  return t('fd_read_aloud', { title: questionTitle(q, lang), attrs }, lang);
}

const Editor = lazyEditor(() => import('./Editor').then((m) => m.FindingEditor));

/** The review view, loaded on first use like the editor. */
function LazyReview(p: ReviewProps) {
  const [C, setC] = useState<ComponentType<ReviewProps> | null>(null);
  useEffect(() => {
    let alive = true;
    import('./Review').then((m) => alive && setC(() => m.FindingReview));
    return () => {
      alive = false;
    };
  }, []);
  return C ? <C {...p} /> : <p class="loading">{t('loading', {}, p.lang)}</p>;
}

export const finding: QuestionKindUI = {
  name: 'finding',
  icon: 'circle',
  Editor,
  Review: LazyReview,
  check: checkFinding,
  normalise: normaliseFinding,
  readAloud,
  text,
  chosen: () => [],
  conditions: false,
  // no options: its lists are settings.attributes (the server refuses options)
  settings: ['attributes', 'outline', 'match_mm', 'max_findings'],
  minOptions: 0,
  needsSeries: true,
};
