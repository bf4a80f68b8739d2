// A message to an annotator, optionally about an item with the right answer marked.

import { useState } from 'preact/hooks';
import { api } from '../../api';
import { t } from '../../i18n';
import { Button, ErrorNote, Field, Note, useSay } from '../../components/ui';
import type { AnswerValue } from '../../lead/review';

export function FeedbackForm({
  annotatorId,
  annotatorName,
  item,
  rightAnswer,
  rightText,
  onSent,
}: {
  annotatorId: number;
  annotatorName: string;
  item?: { order_id: number; item_id: number } | null;
  rightAnswer?: AnswerValue;
  rightText?: string | null;
  onSent?: () => void;
}) {
  const [text, setText] = useState<string | null>(null);
  const [mark, setMark] = useState(!!rightAnswer);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [sent, setSent] = useSay();
  const shown = text ?? (rightText ? t('feedback_default', { answer: rightText }) : '');

  async function send(ev: Event) {
    ev.preventDefault();
    if (!shown.trim()) return;
    setBusy(true);
    setError(null);
    try {
      await api.post('/lead/feedback', {
        annotator_id: annotatorId,
        text: shown.trim(),
        ...(item ? { order_id: item.order_id, item_id: item.item_id } : {}),
        ...(item && mark && rightAnswer ? { answer: rightAnswer } : {}),
      });
      setSent(() => t('feedback_sent', { name: annotatorName }));
      setText('');
      setTimeout(() => onSent?.(), 1500);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="sub-form feedback-form" data-testid="feedback-form" onSubmit={send}>
      <Field label={t('feedback_to', { name: annotatorName })}>
        <textarea name="feedback" rows={2} maxLength={500} value={shown} onInput={(e) => setText(e.currentTarget.value)} />
      </Field>
      {item && rightAnswer && rightText && (
        <label class="check">
          <input type="checkbox" checked={mark} onChange={() => setMark(!mark)} />
          {t('mark_answer', { answer: rightText })}
        </label>
      )}
      <Button type="submit" icon="send" kind="primary" label={t('send_feedback')} busy={busy} data-testid="feedback-send" />
      {sent && <Note kind="ok" testid="feedback-sent">{sent()}</Note>}
      <ErrorNote error={error} />
    </form>
  );
}
