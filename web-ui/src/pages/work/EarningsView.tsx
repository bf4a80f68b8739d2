// Where "我的收入" leads. The earnings page proper (per order, unpaid labels with their
// reasons) belongs to the earnings work (issue 8), which replaces this summary of
// GET /api/v1/me/earnings.

import { t } from '../../i18n';
import { Button, LoadState, useLoad } from '../../components/ui';
import { api } from '../../api';
import { yuan } from '../../util';
import type { Earnings } from '../../work/types';
import { SpeakButton } from './common';

export function EarningsView({ onBack }: { onBack: () => void }) {
  const state = useLoad(() => api.get<Earnings>('/me/earnings'));
  return (
    <main class="annotator-home" data-testid="earnings-view">
      <Button icon="back" label={t('back')} kind="plain" onClick={onBack} />
      <h1>{t('my_earnings')}</h1>
      <LoadState state={state}>
        {(e) => (
          <div class="stats stats-earnings">
            <div class="stat">
              <span class="stat-label">{t('today_earnings')}</span>
              <span class="stat-value">{yuan(e.today_fen)}</span>
            </div>
            <div class="stat">
              <span class="stat-label">{t('today_done')}</span>
              <span class="stat-value">{e.today_labels}</span>
            </div>
            <SpeakButton text={`${t('today_earnings')} ${yuan(e.today_fen)}`} big />
          </div>
        )}
      </LoadState>
    </main>
  );
}
