// The order form's fair-wage line: "预计时薪 ¥xx/小时" as the client types the rate, with a
// warning icon and words when it is under a centre's minimum wage (POST /orders/wage-check).

import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import { Icon } from '../../components/Icon';
import { wageLine, type WageCheck, type WageCheckRequest } from '../../wage';

/** Waits this long after the last keystroke before asking. */
export const WAGE_DEBOUNCE_MS = 300;

export function WageLine({ request }: { request: WageCheckRequest | null }) {
  const [check, setCheck] = useState<WageCheck | null>(null);
  const key = request ? JSON.stringify(request) : '';
  useEffect(() => {
    if (!request) {
      setCheck(null);
      return;
    }
    let alive = true;
    const timer = setTimeout(() => {
      api
        .post<WageCheck>('/orders/wage-check', request)
        .then((c) => alive && setCheck(c))
        .catch(() => alive && setCheck(null));
    }, WAGE_DEBOUNCE_MS);
    return () => {
      alive = false;
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  if (!check) return null;
  const line = wageLine(check);
  return (
    <div
      class={'wage-line' + (line.under ? ' wage-under' : '')}
      role="status"
      aria-live="polite"
      data-testid="wage-line"
      data-under={line.under ? 'yes' : 'no'}
    >
      <Icon name={line.under ? 'alert' : 'coin'} />
      <div>
        <strong data-testid="wage-expected">{line.main}</strong>
        {line.warning && (
          <span class="wage-warning" data-testid="wage-warning">
            {line.warning}
          </span>
        )}
        <small class="muted">{line.basis}</small>
        {line.reading && (
          <span class="wage-reading" data-testid="wage-reading">
            <Icon name="clock" />
            {line.reading}
          </span>
        )}
      </div>
    </div>
  );
}
