// Where "我的收入" leads. The earnings page proper (per order, unpaid labels with their
// reasons) belongs to the earnings work (issue 8), which replaces this summary of
// GET /api/v1/me/earnings.

import { t } from '../../i18n';
import { Button, LoadState, useLoad } from '../../components/ui';
import { api } from '../../api';
import { yuan } from '../../util';
import type { Earnings } from '../../work/types';
import { SpeakButton } from './common';

function Money({ label, fen, testid }: { label: string; fen: number; testid?: string }) {
  return (
    <div class="stat" data-testid={testid}>
      <span class="stat-label">{label}</span>
      <span class="stat-value">{yuan(fen)}</span>
    </div>
  );
}

export function EarningsView({ onBack }: { onBack: () => void }) {
  const state = useLoad(() => api.get<Earnings>('/me/earnings'));
  return (
    <main class="annotator-home" data-testid="earnings-view">
      <Button icon="back" label={t('back')} kind="plain" onClick={onBack} />
      <h1>{t('my_earnings')}</h1>
      <LoadState state={state}>
        {(e) => (
          <>
            <div class="stats stats-earnings">
              <Money label={t('today_earnings')} fen={e.today_fen} testid="earn-today" />
              <div class="stat">
                <span class="stat-label">{t('today_done')}</span>
                <span class="stat-value">{e.today_labels}</span>
              </div>
              <Money label={t('earn_week')} fen={e.week_fen} />
              <Money label={t('earn_month')} fen={e.month_fen} />
              <Money label={t('earn_confirmed')} fen={e.confirmed_fen} />
              <Money label={t('earn_pending')} fen={e.pending_fen} />
              <Money label={t('earn_paid')} fen={e.paid_fen} />
            </div>
            <SpeakButton text={`${t('today_earnings')} ${yuan(e.today_fen)}`} big />
          </>
        )}
      </LoadState>
    </main>
  );
}
