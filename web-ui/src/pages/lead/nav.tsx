// The lead's views live in the URL's hash (`#/review`, `#/quality/7`): Back works and a
// reload stays on the same screen, while the path stays `/`.

import { useEffect, useState } from 'preact/hooks';

export type LeadView =
  | { page: 'home' }
  | { page: 'review'; order: number | null }
  | { page: 'quality' }
  | { page: 'worker'; id: number }
  | { page: 'messages' }
  | { page: 'questions' }
  | { page: 'pauses'; order: number | null };

/** The view a hash names; anything unknown is the home. */
export function parseLeadHash(hash: string): LeadView {
  const h = hash.replace(/^#\/?/, '');
  let m = /^review(?:\?order=(\d+))?$/.exec(h);
  if (m) return { page: 'review', order: m[1] ? Number(m[1]) : null };
  if (h === 'quality') return { page: 'quality' };
  m = /^quality\/(\d+)$/.exec(h);
  if (m) return { page: 'worker', id: Number(m[1]) };
  if (h === 'messages') return { page: 'messages' };
  if (h === 'questions') return { page: 'questions' };
  m = /^pauses(?:\?order=(\d+))?$/.exec(h);
  if (m) return { page: 'pauses', order: m[1] ? Number(m[1]) : null };
  return { page: 'home' };
}

export function leadHash(v: LeadView): string {
  switch (v.page) {
    case 'home':
      return '';
    case 'review':
      return v.order ? `#/review?order=${v.order}` : '#/review';
    case 'quality':
      return '#/quality';
    case 'worker':
      return `#/quality/${v.id}`;
    case 'messages':
      return '#/messages';
    case 'questions':
      return '#/questions';
    case 'pauses':
      return v.order ? `#/pauses?order=${v.order}` : '#/pauses';
  }
}

/** The current lead view, following Back/Forward and links. */
export function useLeadView(): LeadView {
  const [view, setView] = useState<LeadView>(() => parseLeadHash(location.hash));
  useEffect(() => {
    const on = () => setView(parseLeadHash(location.hash));
    window.addEventListener('hashchange', on);
    window.addEventListener('popstate', on);
    return () => {
      window.removeEventListener('hashchange', on);
      window.removeEventListener('popstate', on);
    };
  }, []);
  return view;
}
