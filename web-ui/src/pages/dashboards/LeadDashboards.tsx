// The lead's dashboards at the top of their home: the centre's throughput and pay, as tabs
// (folded away with a third).

import { useState } from 'preact/hooks';
import { t, type Key } from '../../i18n';
import { Icon, type IconName } from '../../components/Icon';
import { ThroughputDashboard } from './Throughput';
import { LeadPay } from './Pay';

type Tab = 'throughput' | 'pay' | 'none';

const TABS: { id: Tab; icon: IconName; label: Key }[] = [
  { id: 'throughput', icon: 'chart', label: 'nav_throughput' },
  { id: 'pay', icon: 'coin', label: 'nav_pay' },
  { id: 'none', icon: 'x', label: 'close' },
];

export function LeadDashboards() {
  const [tab, setTab] = useState<Tab>('throughput');
  return (
    <div class="lead-dashboards" data-testid="lead-dashboards">
      <div class="tabs" role="tablist">
        {TABS.map((x) => (
          <button
            type="button"
            role="tab"
            key={x.id}
            id={'lead-tab-' + x.id}
            class={'tab' + (tab === x.id ? ' on' : '')}
            aria-selected={tab === x.id}
            data-testid={'tab-' + x.id}
            onClick={() => setTab(x.id)}
          >
            <Icon name={x.icon} />
            <span>{t(x.label)}</span>
          </button>
        ))}
      </div>
      {tab !== 'none' && (
        <div role="tabpanel" aria-labelledby={'lead-tab-' + tab}>
          {tab === 'throughput' ? <ThroughputDashboard /> : <LeadPay />}
        </div>
      )}
    </div>
  );
}
