// What the rules told the lead (pauses, promotions), and the feedback the centre's leads sent,
// with read receipts.

import { useState } from 'preact/hooks';
import { api, type Items } from '../../api';
import { getLang, t } from '../../i18n';
import { shortTime } from '../../util';
import { Icon } from '../../components/Icon';
import { Button, ErrorNote, LoadState, Section, useLoad } from '../../components/ui';
import { alertText, type AlertOut } from '../../lead/review';
import { go } from '../client/nav';

interface AlertsOut {
  unread: number;
  items: AlertOut[];
}

interface FeedbackOut {
  id: number;
  to_id: number;
  to_name: string;
  from_name: string | null;
  text: string;
  order_name: string | null;
  item: { item_id: number; thumb_url: string | null; text: string | null } | null;
  created_at: number;
  read_at: number | null;
}

export function Alerts({ onRead }: { onRead?: () => void }) {
  const alerts = useLoad(() => api.get<AlertsOut>('/lead/alerts'));
  const [error, setError] = useState<unknown>(null);
  return (
    <Section icon="alert" title={t('alerts')} testid="alerts">
      <LoadState state={alerts}>
        {(a) =>
          a.items.length === 0 ? (
            <p class="muted">{t('no_alerts')}</p>
          ) : (
            <ul class="rows">
              {a.items.map((x) => (
                <li class={'row row-wrap' + (x.read_at ? ' read' : '')} key={x.id} data-testid="alert" data-event={x.data?.event ?? ''}>
                  <Icon name={x.data?.event === 'promoted' ? 'star' : x.data?.event === 'wage_low' ? 'coin' : 'pause'} />
                  <div class="row-main">
                    <strong>{alertText(x)}</strong>
                    <span class="muted">{shortTime(x.created_at, getLang())}</span>
                  </div>
                  {x.about_id && (
                    <a
                      class="btn btn-plain"
                      href={`#/quality/${x.about_id}`}
                      onClick={(e) => {
                        e.preventDefault();
                        go(`#/quality/${x.about_id}`);
                      }}
                    >
                      <Icon name="chart" />
                      <span>{t('lead_tab_quality')}</span>
                    </a>
                  )}
                  {!x.read_at && (
                    <Button
                      icon="check"
                      kind="plain"
                      label={t('mark_read')}
                      onClick={async () => {
                        try {
                          await api.post(`/lead/alerts/${x.id}/read`);
                          await alerts.reload();
                          onRead?.();
                        } catch (e) {
                          setError(e);
                        }
                      }}
                    />
                  )}
                </li>
              ))}
            </ul>
          )
        }
      </LoadState>
      <ErrorNote error={error} />
    </Section>
  );
}

export function MessagesPage({ onRead }: { onRead?: () => void }) {
  const sent = useLoad(() => api.get<Items<FeedbackOut>>('/lead/feedback'));
  return (
    <>
      <Alerts onRead={onRead} />
      <Section icon="message" title={t('sent_feedback')} testid="sent-feedback">
        <LoadState state={sent}>
          {(s) =>
            s.items.length === 0 ? (
              <p class="muted">{t('no_feedback')}</p>
            ) : (
              <ul class="rows">
                {s.items.map((m) => (
                  <li class="row row-wrap" key={m.id} data-testid="sent-message">
                    {m.item?.thumb_url ? <img class="message-thumb" src={m.item.thumb_url} alt="" loading="lazy" /> : <Icon name="message" />}
                    <div class="row-main">
                      <strong>
                        {m.to_name}：{m.text}
                      </strong>
                      <span class="muted">
                        {m.order_name ? `${m.order_name} · ` : ''}
                        {shortTime(m.created_at, getLang())}
                      </span>
                    </div>
                    {m.read_at ? (
                      <span class="badge badge-ok" data-testid="read-receipt">
                        <Icon name="check" size={14} />
                        {t('read_at', { time: shortTime(m.read_at, getLang()) })}
                      </span>
                    ) : (
                      <span class="badge" data-testid="unread">
                        {t('unread')}
                      </span>
                    )}
                  </li>
                ))}
              </ul>
            )
          }
        </LoadState>
      </Section>
    </>
  );
}
