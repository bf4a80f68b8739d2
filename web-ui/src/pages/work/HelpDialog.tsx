// "说明": the order's instructions, read aloud where the browser can, with example pictures
// for the instructions and for each label.

import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { t } from '../../i18n';
import { Icon } from '../../components/Icon';
import { hotkeyOf } from '../../work/hotkeys';
import type { OrderBrief } from '../../work/types';
import { labelName, SpeakButton } from './common';
import { QuestionSpeaker } from './Question';

export function HelpDialog({ order, onClose, lang }: { order: OrderBrief; onClose: () => void; lang?: ComponentChildren }) {
  const closeRef = useRef<HTMLButtonElement>(null);
  const boxRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    closeRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        onClose();
      } else if (e.key === 'Tab' && boxRef.current) {
        // keep the focus inside the dialog
        const f = boxRef.current.querySelectorAll<HTMLElement>('button, [href], input, [tabindex]:not([tabindex="-1"])');
        if (!f.length) return;
        const first = f[0];
        const last = f[f.length - 1];
        if (e.shiftKey && document.activeElement === first) {
          e.preventDefault();
          last.focus();
        } else if (!e.shiftKey && document.activeElement === last) {
          e.preventDefault();
          first.focus();
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      before?.focus?.();
    };
  }, []);
  const ex = (id: number) => order.examples?.find((e) => e.item_id === id);
  const spoken = [order.instructions, ...order.labels.map((l) => labelName(l))].filter(Boolean).join('。');
  return (
    <div class="dialog-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="help-title" data-testid="help-dialog" ref={boxRef}>
        <div class="dialog-head">
          <h2 id="help-title">
            <Icon name="help" />
            <span>{t('help_title')}</span>
          </h2>
          <button type="button" class="btn btn-plain btn-icon" ref={closeRef} aria-label={t('close')} data-testid="help-close" onClick={onClose}>
            <Icon name="x" />
          </button>
        </div>
        <p class="help-order">{order.name}</p>
        <div class="help-text">
          <p data-testid="instructions">{order.instructions || t('no_instructions')}</p>
          {order.audio_url ? (
            <QuestionSpeaker text={spoken} audio={order.audio_url} testid="speak-instructions" />
          ) : (
            <SpeakButton text={spoken} testid="speak-instructions" big />
          )}
        </div>
        {order.instruction_examples.length > 0 && (
          <ul class="help-examples">
            {order.instruction_examples.map((id) => {
              const e = ex(id);
              return e?.thumb_url ? (
                <li key={id}>
                  <img src={e.thumb_url} alt={t('fb_example')} loading="lazy" />
                </li>
              ) : e?.text ? (
                <li key={id} class="help-example-text">
                  {e.text}
                </li>
              ) : null;
            })}
          </ul>
        )}
        <ul class="help-labels">
          {order.labels.map((l, i) => {
            const key = hotkeyOf(order.labels, i);
            const pics = l.examples.map(ex).filter((e) => e?.thumb_url);
            return (
              <li key={l.key} style={{ '--c': l.colour }} class="help-label">
                <div class="help-label-name">
                  {key && <kbd class="label-key">{key.toUpperCase()}</kbd>}
                  <span class="label-mark" aria-hidden="true" />
                  <strong>{labelName(l)}</strong>
                  <QuestionSpeaker text={labelName(l)} audio={order.label_audio?.[l.key]} testid={`speak-label-${l.key}`} />
                </div>
                {pics.length > 0 && (
                  <div class="help-label-pics" role="group" aria-label={t('examples_of', { name: labelName(l) })}>
                    {pics.map((e) => (
                      <img key={e!.item_id} src={e!.thumb_url!} alt={t('examples_of', { name: labelName(l) })} loading="lazy" />
                    ))}
                  </div>
                )}
              </li>
            );
          })}
        </ul>
        <div class="dialog-foot">
          {lang}
          <button type="button" class="btn btn-primary" onClick={onClose}>
            <Icon name="check" />
            <span>{t('close')}</span>
          </button>
        </div>
      </div>
    </div>
  );
}
