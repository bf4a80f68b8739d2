// Example pictures for the order form: each thumbnail can be shown as an example of one label,
// or with the instructions. Fills `labels[].examples` and `instruction_examples`.

import { useEffect, useState } from 'preact/hooks';
import { api, type Items } from '../../api';
import { getLang, t } from '../../i18n';
import { Icon } from '../../components/Icon';
import { Button, ErrorNote } from '../../components/ui';
import type { LabelRow } from '../../orders';
import type { Item } from './Dataset';

const PAGE = 24;

/** What an item is an example of: '' (nothing), 'instructions', or a label's row index as text. */
export function exampleRole(id: number, labels: LabelRow[], instruction: number[]): string {
  if (instruction.includes(id)) return 'instructions';
  const i = labels.findIndex((l) => l.examples.includes(id));
  return i < 0 ? '' : String(i);
}

/** Moves item `id` to `role` (see exampleRole), removing it from wherever it was. */
export function setExampleRole(
  id: number,
  role: string,
  labels: LabelRow[],
  instruction: number[],
): { labels: LabelRow[]; instruction_examples: number[] } {
  const out = labels.map((l, i) => {
    const rest = l.examples.filter((x) => x !== id);
    return { ...l, examples: role === String(i) ? [...rest, id] : rest };
  });
  const ins = instruction.filter((x) => x !== id);
  return { labels: out, instruction_examples: role === 'instructions' ? [...ins, id] : ins };
}

export function ExamplePicker({
  datasetId,
  labels,
  instruction,
  onChange,
}: {
  datasetId: number;
  labels: LabelRow[];
  instruction: number[];
  onChange: (v: { labels: LabelRow[]; instruction_examples: number[] }) => void;
}) {
  const [items, setItems] = useState<Item[]>([]);
  const [more, setMore] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function loadMore(reset = false) {
    setBusy(true);
    setError(null);
    try {
      const after = !reset && items.length ? items[items.length - 1].id : 0;
      const res = await api.get<Items<Item>>(`/datasets/${datasetId}/items?after=${after}&limit=${PAGE}`);
      setItems((old) => (reset ? res.items : [...old, ...res.items]));
      setMore(res.items.length === PAGE);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  useEffect(() => {
    void loadMore(true);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [datasetId]);

  const name = (l: LabelRow, i: number) => (getLang() === 'en' ? l.name_en || l.name_zh : l.name_zh || l.name_en) || `#${i + 1}`;
  const n = labels.reduce((k, l) => k + l.examples.length, 0) + instruction.length;
  return (
    <div class="examples" data-testid="examples">
      <p class="muted hint">
        {t('examples_hint')} {n > 0 && <strong>{t('examples_n', { n })}</strong>}
      </p>
      <ul class="thumbs thumbs-small">
        {items.map((it) => {
          const role = exampleRole(it.id, labels, instruction);
          return (
            <li class={'thumb' + (role ? ' thumb-set' : '')} key={it.id} data-testid="example-item">
              {it.thumb_url ? (
                <img src={it.thumb_url} alt={it.file_name} loading="lazy" width={120} height={120} />
              ) : (
                <p class="thumb-text">{it.text ?? it.file_name}</p>
              )}
              <span class="thumb-meta">
                <select
                  aria-label={t('example_for', { name: it.file_name })}
                  data-testid="example-select"
                  value={role}
                  onChange={(e) => onChange(setExampleRole(it.id, e.currentTarget.value, labels, instruction))}
                >
                  <option value="">{t('not_example')}</option>
                  <option value="instructions">{t('example_instructions')}</option>
                  {labels.map((l, i) => (
                    <option value={String(i)} key={i}>
                      {t('example_of', { name: name(l, i) })}
                    </option>
                  ))}
                </select>
              </span>
            </li>
          );
        })}
      </ul>
      <ErrorNote error={error} />
      {busy && <p class="loading" role="status">{t('loading')}</p>}
      {more && !busy && items.length > 0 && <Button icon="more" label={t('load_more')} onClick={() => void loadMore()} />}
      {!busy && items.length === 0 && !error && (
        <p class="muted">
          <Icon name="image" /> {t('no_items')}
        </p>
      )}
    </div>
  );
}
