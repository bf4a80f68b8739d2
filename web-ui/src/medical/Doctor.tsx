// The doctor's card on a medical order's page (contract §6): the items the experts referred,
// each opened with every annotator's answer and the expert's, and decided with the same editor
// — the doctor's answer is final. Shown only to whoever the server lets read the queue (the
// doctor the order names); anyone else sees nothing.

import { useEffect, useState } from 'preact/hooks';
import { ApiError, doctorDecide, doctorItem, doctorQueue, type LadderDetail, type LadderWaiting } from '../api';
import { getLang, t } from '../i18n';
import { Icon } from '../components/Icon';
import { Button, ErrorNote, Note } from '../components/ui';
import { shortTime, uuid } from '../util';
import { CaseView } from './LadderCase';

export function DoctorCard({ orderId }: { orderId: number }) {
  const lang = getLang();
  const [queue, setQueue] = useState<LadderWaiting[] | null | 'hidden'>(null);
  const [open, setOpen] = useState<{ item: LadderWaiting; c: LadderDetail; uuid: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);

  const load = () =>
    doctorQueue(orderId).then(
      (items) => setQueue(items),
      (e) => setQueue(e instanceof ApiError && (e.status === 403 || e.status === 404) ? 'hidden' : (setError(e), [])),
    );
  useEffect(() => {
    void load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [orderId]);

  if (queue === 'hidden') return null;
  const openItem = async (item: LadderWaiting) => {
    setError(null);
    setDone(false);
    try {
      // one id per decision on this case: a retry after a lost answer is the same decision
      setOpen({ item, c: await doctorItem(orderId, item.item_id), uuid: uuid() });
    } catch (e) {
      setError(e);
    }
  };
  const decide = async (answer: Record<string, unknown>, note: string) => {
    if (!open) return;
    setBusy(true);
    setError(null);
    try {
      await doctorDecide(orderId, open.item.item_id, { client_uuid: open.uuid, answer, note: note || undefined });
      setOpen(null);
      setDone(true);
      await load();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card doctor-card" aria-labelledby={`doctor-${orderId}`} data-testid="doctor-card">
      <div class="card-head">
        <h2 id={`doctor-${orderId}`}>
          <Icon name="shield" />
          <span>{t('dr_title', {}, lang)}</span>
          {Array.isArray(queue) && queue.length > 0 && <span class="badge">{queue.length}</span>}
        </h2>
        {open && <Button icon="back" label={t('ex_back', {}, lang)} data-testid="doctor-back" onClick={() => setOpen(null)} />}
      </div>
      {done && <Note kind="ok" testid="doctor-done">{t('dr_done', {}, lang)}</Note>}
      {open ? (
        <CaseView c={open.c} mode="doctor" busy={busy} error={error} onSettle={(a, note) => void decide(a, note)} />
      ) : (
        <>
          <ErrorNote error={error} />
          {queue === null && (
            <p class="loading" role="status">
              {t('loading', {}, lang)}
            </p>
          )}
          {Array.isArray(queue) && !queue.length && (
            <p role="status" data-testid="doctor-none">
              {t('dr_none', {}, lang)}
            </p>
          )}
          {Array.isArray(queue) && queue.length > 0 && (
            <ul class="ladder-list" data-testid="doctor-queue">
              {queue.map((it) => (
                <li key={it.item_id}>
                  <button type="button" class="btn btn-secondary ladder-row" data-testid="doctor-item" onClick={() => void openItem(it)}>
                    <Icon name="image" size={28} />
                    <span class="ladder-row-main">
                      <strong>#{it.item_id}</strong>
                      <small>
                        {t('ex_labels', { n: it.labels }, lang)} · {t('ex_waiting', { t: shortTime(it.waiting_since, lang) }, lang)}
                      </small>
                    </span>
                    <Icon name="forward" />
                  </button>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
