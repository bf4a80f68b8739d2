// Every annotator's findings on one viewer, each in their colour and lettered by who (A1, B2…),
// the consensus (dark) and gold (amber) too; beside it a table of every finding — tapping a row
// goes to its slice.

import { useState } from 'preact/hooks';
import type { ReviewProps } from '../index';
import { t } from '../../i18n';
import { Viewer } from '../../medical/Viewer';
import { seriesSha, type VolumeGeometry } from '../../medical/volume';
import { FindingMarks, diameterMm } from './Editor';
import { findingSettings, findingsOf, nameOf, type Finding } from './model';
import './finding.css';

interface Row {
  who: string;
  colour: string;
  n: number;
  f: Finding;
}

export function FindingReview(p: ReviewProps & { goTo?: { z: number } | null }) {
  const { q, lang, field } = p;
  const s = findingSettings(q);
  const [goTo, setGoTo] = useState<{ z: number } | null>(p.goTo ?? null);
  const layers = [
    ...p.answers.map((a) => ({ who: a.who, colour: a.colour, list: findingsOf(a.value), answered: a.value !== undefined && a.value !== null })),
    ...(p.consensus !== undefined && p.consensus !== null ? [{ who: t('fd_consensus', {}, lang), colour: '#212121', list: findingsOf(p.consensus), answered: true }] : []),
    ...(p.gold !== undefined && p.gold !== null ? [{ who: t('fd_gold', {}, lang), colour: '#f9a825', list: findingsOf(p.gold), answered: true }] : []),
  ];
  const rows: Row[] = layers.flatMap((l) => l.list.map((f, i) => ({ who: l.who, colour: l.colour, n: i + 1, f })));
  const [headerGeometry, setHeaderGeometry] = useState<VolumeGeometry | null>(null);
  const g = field?.volume ?? headerGeometry;
  return (
    <div class="q-review fd-review" data-testid="q-review" data-question={q.key}>
      {seriesSha(field) && (
        <Viewer
          sha={seriesSha(field)!}
          lang={lang}
          goTo={goTo ?? (rows[0] ? { z: rows[0].f.at[2] } : null)}
          keys={false}
          onLoad={(l) => setHeaderGeometry(l.header.geometry)}
          overlay={(z, unit) => (
            <g>
              {layers.map((l, k) => (
                <FindingMarks key={k} list={l.list} z={z} unit={unit} colour={l.colour} label={(i) => `${l.who}${i + 1}`} />
              ))}
            </g>
          )}
          testid="finding-review-viewer"
        />
      )}
      <table class="fd-table" data-testid="fd-table">
        <caption>{t('fd_table', {}, lang)}</caption>
        <thead>
          <tr>
            <th scope="col">{t('fd_who', {}, lang)}</th>
            <th scope="col">#</th>
            <th scope="col">{t('mv_slice', {}, lang)}</th>
            {s.attributes.map((a) => (
              <th key={a.key} scope="col">
                {nameOf(a, lang)}
              </th>
            ))}
            <th scope="col">mm</th>
          </tr>
        </thead>
        <tbody>
          {layers
            .filter((l) => l.answered && !l.list.length)
            .map((l) => (
              <tr key={'none-' + l.who} data-testid="fd-table-none">
                <th scope="row">
                  <span class="chip-dot" style={{ background: l.colour }} aria-hidden="true" /> {l.who}
                </th>
                <td colSpan={3 + s.attributes.length}>{t('fd_none', {}, lang)}</td>
              </tr>
            ))}
          {rows.map((r, i) => {
            const d = diameterMm(g, r.f);
            return (
              <tr key={i} data-testid="fd-table-row" class="fd-table-row" onClick={() => setGoTo({ z: r.f.at[2] })}>
                <th scope="row">
                  <span class="chip-dot" style={{ background: r.colour }} aria-hidden="true" /> {r.who}
                </th>
                <td>{r.n}</td>
                <td>
                  <button type="button" class="btn btn-secondary fd-jump" aria-label={t('fd_jump', {}, lang)} onClick={() => setGoTo({ z: r.f.at[2] })}>
                    {r.f.at[2] + 1}
                  </button>
                </td>
                {s.attributes.map((a) => {
                  const o = a.options.find((x) => x.key === r.f.attrs?.[a.key]);
                  return <td key={a.key}>{o ? nameOf(o, lang) : '—'}</td>;
                })}
                <td>{d !== null ? d.toFixed(1) : '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
