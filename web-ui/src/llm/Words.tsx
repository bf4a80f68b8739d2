// A field of words on the workbench and in review: a plain text, a conversation (chat turns)
// or a Markdown text (with the model that wrote it, when known). Two or more Markdown fields
// (an LLM's answers) sit side by side on a laptop (≥ 900 px, a side-by-side template) and
// scroll together; on a phone they stack.

import { useEffect, useRef } from 'preact/hooks';
import type { FieldKind, ItemField } from '../kinds/types';
import { t } from '../i18n';
import { Conversation } from './Conversation';
import { Markdown } from './Markdown';
import { syncScroll } from './sync';
import './llm.css';

/** How a field is drawn: the template's kind, except that an item's conversation stays one. */
export function shownKind(def: FieldKind, data?: ItemField): FieldKind {
  if (data?.kind === 'conversation' && def !== 'image') return 'conversation';
  return def;
}

export function WordsBody({ kind, data }: { kind: FieldKind; data: ItemField }) {
  if (kind === 'conversation') return <Conversation text={data.text} />;
  if (kind === 'markdown')
    return (
      <>
        {data.model && (
          <p class="md-model" data-testid="md-model">
            {t('md_model', { model: data.model })}
          </p>
        )}
        <Markdown text={data.text ?? ''} />
      </>
    );
  return (
    <p class="work-text" data-testid="item-text">
      {data.text}
    </p>
  );
}

/** Whether the screen is wide enough for answers side by side (≥ 900 px), asked when used. */
export function wideNow(): boolean {
  return typeof window !== 'undefined' && typeof window.matchMedia === 'function' ? window.matchMedia('(min-width: 900px)').matches : true;
}

/**
 * Keeps the scroll boxes (`.md-scroll`) inside the box the answered ref is put on in step,
 * while `on` holds and the screen is wide (answers stacked on a phone scroll alone).
 */
export function useSyncedScroll(on: boolean, deps: unknown[]) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!on || !box.current) return;
    const els = Array.from(box.current.querySelectorAll<HTMLElement>('.md-scroll'));
    if (els.length < 2) return;
    return syncScroll(els, wideNow);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [on, ...deps]);
  return box;
}
