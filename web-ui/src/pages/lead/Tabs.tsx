// The lead's tab bar and the home page's "what waits for you" card.

import { api, type Items } from '../../api';
import { t, type Key } from '../../i18n';
import { Icon, type IconName } from '../../components/Icon';
import { Note } from '../../components/ui';
import type { QueueOrderCount } from '../../lead/review';
import { go } from '../client/nav';
import { leadHash, type LeadView } from './nav';

export interface Summary {
  waiting: number;
  unread: number;
  paused: number;
}

/** How many items wait for review, unread alerts and live pauses. */
export async function loadSummary(): Promise<Summary> {
  const [counts, alerts, pauses] = await Promise.all([
    api.get<Items<QueueOrderCount>>('/lead/review/orders'),
    api.get<{ unread: number }>('/lead/alerts'),
    api.get<Items<{ live: boolean }>>('/lead/pauses?live=true'),
  ]);
  return {
    waiting: counts.items.reduce((n, c) => n + c.escalated + c.skipped + c.gold_failure + c.client_flag, 0),
    unread: alerts.unread,
    paused: pauses.items.length,
  };
}

const TABS: { page: LeadView['page']; view: LeadView; icon: IconName; label: Key }[] = [
  { page: 'home', view: { page: 'home' }, icon: 'home', label: 'lead_tab_home' },
  { page: 'review', view: { page: 'review', order: null }, icon: 'clipboard', label: 'lead_tab_review' },
  { page: 'quality', view: { page: 'quality' }, icon: 'chart', label: 'lead_tab_quality' },
  { page: 'messages', view: { page: 'messages' }, icon: 'message', label: 'lead_tab_messages' },
  { page: 'questions', view: { page: 'questions' }, icon: 'help', label: 'lead_tab_questions' },
  { page: 'pauses', view: { page: 'pauses', order: null }, icon: 'pause', label: 'lead_tab_pauses' },
];

export function LeadTabs({ view, summary }: { view: LeadView; summary: Summary | undefined }) {
  const current = view.page === 'worker' ? 'quality' : view.page;
  return (
    <nav class="tabs lead-tabs" aria-label={t('lead_tabs')}>
      {TABS.map((x) => {
        const on = current === x.page;
        const badge = x.page === 'review' ? summary?.waiting : x.page === 'messages' ? summary?.unread : undefined;
        return (
          <a
            key={x.page}
            href={leadHash(x.view) || '/'}
            class={'tab' + (on ? ' on' : '')}
            aria-current={on ? 'page' : undefined}
            data-testid={'lead-tab-' + x.page}
            onClick={(e) => {
              e.preventDefault();
              go(leadHash(x.view));
            }}
          >
            <Icon name={x.icon} />
            <span>{t(x.label)}</span>
            {badge ? <span class="count-badge">{badge}</span> : null}
          </a>
        );
      })}
    </nav>
  );
}

export function SummaryCard({ summary }: { summary: Summary | undefined }) {
  if (!summary) return null;
  return (
    <section class="card summary-card" aria-label={t('lead_tab_review')} data-testid="lead-summary">
      {summary.waiting > 0 ? (
        <a
          class="btn btn-primary"
          href="#/review"
          data-testid="summary-review"
          onClick={(e) => {
            e.preventDefault();
            go('#/review');
          }}
        >
          <Icon name="clipboard" />
          <span>{t('waiting_review', { n: summary.waiting })}</span>
        </a>
      ) : (
        <Note kind="ok">{t('review_all_clear')}</Note>
      )}
      {summary.unread > 0 && (
        <a
          class="btn btn-secondary"
          href="#/messages"
          onClick={(e) => {
            e.preventDefault();
            go('#/messages');
          }}
        >
          <Icon name="alert" />
          <span>{t('new_alerts', { n: summary.unread })}</span>
        </a>
      )}
      {summary.paused > 0 && (
        <a
          class="btn btn-secondary"
          href="#/pauses"
          onClick={(e) => {
            e.preventDefault();
            go('#/pauses');
          }}
        >
          <Icon name="pause" />
          <span>{t('live_pauses', { n: summary.paused })}</span>
        </a>
      )}
    </section>
  );
}
