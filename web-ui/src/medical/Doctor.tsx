// The doctor's card on a medical order's page (contract §6): the items the experts referred,
// each opened with every annotator's answer and the expert's, and decided with the same editor
// — the doctor's answer is final. Shown only to whoever the server lets read the queue (the
// doctor the order names); anyone else sees nothing.

import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { getLang, t } from '../i18n';
import { Icon } from '../components/Icon';
import { Button, ErrorNote, Note } from '../components/ui';
import { shortTime } from '../util';
import { CaseView } from './LadderCase';
import { ladderApi, newUuid, type DoctorQueueItem, type LadderCase } from './ladderApi';

export function DoctorCard({ orderId }: { orderId: number }) {
  const lang = getLang();
  const [queue, setQueue] = useState<DoctorQueueItem[] | null | 'hidden'>(null);
  const [open, setOpen] = useState<{ item: DoctorQueueItem; c: LadderCase; uuid: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);

  const load = () =>
    ladderApi.doctorQueue(orderId).then(
      (r) => setQueue(r.items),
      (e) => setQueue(e instanceof ApiError && (e.status === 403 || e.status === 404) ? 'hidden' : (setError(e), [])),
    );
  useEffect(() => {
    void load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [orderId]);

  if (queue === 'hidden') return null;
  const openItem = async (item: DoctorQueueItem) => {
    setError(null);
    setDone(false);
    try {
      setOpen({ item, c: await ladderApi.doctorCase(orderId, item.item_id), uuid: newUuid() });
    } catch (e) {
      setError(e);
    }
  };
  const decide = async (answer: Record<string, unknown>, note: string) => {
    if (!open) return;
    setBusy(true);
    setError(null);
    try {
      await ladderApi.doctorDecide(orderId, open.item.item_id, { client_uuid: open.uuid, answer, note: note || undefined });
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
                      {(it.labels !== undefined || it.waiting_since !== undefined) && (
                        <small>
                          {it.labels !== undefined ? t('ex_labels', { n: it.labels }, lang) : ''}
                          {it.waiting_since !== undefined ? ` · ${t('ex_waiting', { t: shortTime(it.waiting_since, lang) }, lang)}` : ''}
                        </small>
                      )}
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
