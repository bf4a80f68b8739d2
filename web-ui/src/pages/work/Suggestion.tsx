// A model's suggestion on the work screen: the robot mark (an icon and the model's score as a
// small bar), a big "accept" button (Enter does the same) and "clear" to start from nothing.
// Shown while the answer is still the model's; any change makes it the annotator's, and the
// mark goes.

import { t } from '../../i18n';
import { Icon } from '../../components/Icon';
import type { Suggestion } from '../../work/types';

/** The robot badge: the model's mark on what it proposed, with its score when it gave one. */
export function ModelBadge({ s, small }: { s: Suggestion; small?: boolean }) {
  const pct = typeof s.score === 'number' ? Math.round(Math.max(0, Math.min(1, s.score)) * 100) : null;
  const what = pct === null ? t('sug_mark') : `${t('sug_mark')}：${t('sug_score', { pct })}`;
  return (
    <span class={'model-badge' + (small ? ' small' : '')} data-testid="model-badge" title={`${what} (${s.model}${s.model_version ? ' ' + s.model_version : ''})`} aria-label={what} role="img">
      <Icon name="bot" size={small ? 16 : 22} />
      {pct !== null && (
        <span class="model-score" aria-hidden="true">
          <span class="model-score-bar">
            <span class="model-score-fill" style={{ width: `${pct}%` }} />
          </span>
          <span class="model-score-pct">{pct}%</span>
        </span>
      )}
    </span>
  );
}

/** The bar above the answer controls while the model's suggestion stands. */
export function SuggestionBar({
  s,
  onAccept,
  onClear,
  acceptKey = true,
}: {
  s: Suggestion;
  onAccept?: () => void;
  onClear: () => void;
  /** Enter accepts (said on the button). */
  acceptKey?: boolean;
}) {
  return (
    <div class="suggestion-bar" data-testid="suggestion-bar" data-suggestion={s.id}>
      <ModelBadge s={s} />
      {onAccept && (
        <button type="button" class="btn btn-primary btn-accept" data-testid="sug-accept" aria-keyshortcuts={acceptKey ? 'Enter' : undefined} onClick={onAccept}>
          <Icon name="check" />
          <span class="hide-narrow">{acceptKey ? t('sug_accept_key') : t('sug_accept')}</span>
          <span class="show-narrow">{t('sug_accept')}</span>
        </button>
      )}
      <button type="button" class="btn btn-plain btn-sug-clear" data-testid="sug-clear" aria-label={t('sug_clear')} title={t('sug_clear')} onClick={onClear}>
        <Icon name="trash" />
        <span class="hide-narrow">{t('sug_clear')}</span>
      </button>
    </div>
  );
}

/** In the model's bar's place once the answer is the annotator's (changed or cleared): the
 * screen keeps its layout (a drag in progress stays where it is). */
export function YoursBar() {
  return (
    <div class="suggestion-bar yours" data-testid="suggestion-changed">
      <Icon name="user" size={22} />
      <span>{t('sug_yours')}</span>
    </div>
  );
}
