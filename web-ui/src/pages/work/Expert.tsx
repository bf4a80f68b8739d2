// The expert's screen (issue 31 item 5, contract §6): the items of medical orders whose
// annotators did not agree, waiting for the expert tier; one opened shows every annotator's
// answer and the editor, and the expert makes an answer final or sends the item to the
// client's doctor. Reached from the annotator home (#/expert) by an expert.

import { useEffect, useState } from 'preact/hooks';
import { getLang, t } from '../../i18n';
import { Icon } from '../../components/Icon';
import { Button, ErrorNote, Note } from '../../components/ui';
import { expertDecide, expertItem, expertQueue, type ExpertDecision, type LadderDetail, type LadderWaiting } from '../../api';
import { shortTime, uuid } from '../../util';
import { CaseView } from '../../medical/LadderCase';

/** The home's card: how many items wait for an expert, and the way in (nothing when none or
 * when the person is not in the expert tier). */
export function ExpertCard({ onOpen }: { onOpen: () => void }) {
  const [n, setN] = useState<number | null>(null);
  useEffect(() => {
    let alive = true;
    expertQueue().then(
      (items) => alive && setN(items.length),
      () => alive && setN(null),
    );
    return () => {
      alive = false;
    };
  }, []);
  if (!n) return null;
  return (
    <button type="button" class="btn btn-secondary expert-card" data-testid="expert-card" onClick={onOpen}>
      <Icon name="shield" size={32} />
      <span>{t('ex_home_card', { n })}</span>
    </button>
  );
}

export function ExpertPage({ onBack }: { onBack: () => void }) {
  const lang = getLang();
  const [queue, setQueue] = useState<LadderWaiting[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [open, setOpen] = useState<{ item: LadderWaiting; c: LadderDetail; uuid: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<'settle' | 'refer' | null>(null);

  const load = () => {
    setLoadError(null);
    expertQueue().then(
      (items) => setQueue(items),
      (e) => setLoadError(e),
    );
  };
  useEffect(load, []);

  const openItem = async (item: LadderWaiting) => {
    setError(null);
    setDone(null);
    try {
      const c = await expertItem(item.order_id, item.item_id);
      // one id per decision on this case: a retry after a lost answer is the same decision
      setOpen({ item, c, uuid: uuid() });
    } catch (e) {
      setError(e);
    }
  };
  const decide = async (decision: 'settle' | 'refer', note: string, answer?: Record<string, unknown>) => {
    if (!open) return;
    setBusy(true);
    setError(null);
    try {
      const body: ExpertDecision = decision === 'settle' ? { client_uuid: open.uuid, decision, answer: answer!, note: note || undefined } : { client_uuid: open.uuid, decision, note: note || undefined };
      await expertDecide(open.item.order_id, open.item.item_id, body);
      setOpen(null);
      setDone(decision);
      load();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="expert-page" data-testid="expert-page">
      <div class="page-head">
        <Button icon="back" label={open ? t('ex_back', {}, lang) : t('back', {}, lang)} data-testid="expert-back" onClick={() => (open ? setOpen(null) : onBack())} />
        <h1 class="page-title">
          <Icon name="shield" />
          <span>{t('ex_title', {}, lang)}</span>
        </h1>
      </div>
      {done && <Note kind="ok" testid="expert-done">{t(done === 'settle' ? 'ex_done_settled' : 'ex_done_referred', {}, lang)}</Note>}
      {open ? (
        <>
          <h2 data-testid="expert-case-title">
            {open.item.order_name} · #{open.item.item_id}
          </h2>
          <CaseView c={open.c} mode="expert" busy={busy} error={error} onSettle={(a, note) => void decide('settle', note, a)} onRefer={(note) => void decide('refer', note)} />
        </>
      ) : (
        <>
          <ErrorNote error={loadError ?? error} />
          {queue === null && !loadError && (
            <p class="loading" role="status">
              {t('loading', {}, lang)}
            </p>
          )}
          {queue && !queue.length && (
            <p class="panel-nothing" role="status" data-testid="expert-none">
              <Icon name="done" size={40} />
              <span>{t('ex_none', {}, lang)}</span>
            </p>
          )}
          {queue && queue.length > 0 && (
            <ul class="ladder-list" data-testid="expert-queue">
              {queue.map((it) => (
                <li key={`${it.order_id}-${it.item_id}`}>
                  <button type="button" class="btn btn-secondary ladder-row" data-testid="expert-item" onClick={() => void openItem(it)}>
                    <Icon name="image" size={28} />
                    <span class="ladder-row-main">
                      <strong>{it.order_name}</strong> · #{it.item_id}
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
    </main>
  );
}
