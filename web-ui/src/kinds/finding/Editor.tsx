// The `finding` kind's editor: the series in the viewer (src/medical/Viewer.tsx) with tools of
// its own — a tap marks a numbered finding at (x, y, this slice), a line drawn with 量直径 is
// the chosen finding's diameter, taps with 描边 add outline points (when the question allows
// an outline). Beside the image: the chosen finding's attributes as big buttons (their
// hotkeys when given), and the list of findings — tapping one goes to its slice. "Nothing
// found" is an answer of its own (an empty list), chosen explicitly.

import { useEffect, useRef, useState } from 'preact/hooks';
import type { EditorProps } from '../index';
import { t, type Lang } from '../../i18n';
import { Icon } from '../../components/Icon';
import { Viewer, Line, type ViewerTool } from '../../medical/Viewer';
import { distanceMm, seriesSha, type VolumeGeometry } from '../../medical/volume';
import { findingSettings, findingsOf, hitFinding, MAX_OUTLINE_POINTS, nameOf, type Finding, type FindingSettings, type Pt2 } from './model';
import './finding.css';

export const FINDING_COLOUR = '#ff5252';

/** A finding's markers over slice `z`: its number on its slice, a faint ring on the slices
 * near it, its diameter and outline on its slice. */
export function FindingMarks({ list, z, unit, colour, chosen, label }: { list: Finding[]; z: number; unit: number; colour: string; chosen?: number | null; label?: (i: number) => string }) {
  return (
    <g>
      {list.map((f, i) => {
        const dz = Math.abs(Math.round(f.at[2]) - z);
        if (dz > 3) return null;
        const r = (chosen === i ? 11 : 9) * unit;
        if (dz > 0)
          return <circle key={i} cx={f.at[0]} cy={f.at[1]} r={r} fill="none" stroke={colour} stroke-opacity={0.5} stroke-width={1.5 * unit} stroke-dasharray={`${3 * unit} ${3 * unit}`} />;
        return (
          <g key={i} data-testid="fd-marker" data-n={i + 1}>
            {f.outline && f.outline.length > 1 && <polygon points={f.outline.map((p) => p.join(',')).join(' ')} fill={colour + '33'} stroke={colour} stroke-width={1.5 * unit} />}
            {f.diameter && <Line a={f.diameter[0]} b={f.diameter[1]} unit={unit} colour={colour} />}
            <circle cx={f.at[0]} cy={f.at[1]} r={r} fill={colour} fill-opacity={0.85} stroke={chosen === i ? '#fff' : '#000'} stroke-width={(chosen === i ? 3 : 1.5) * unit} />
            <text x={f.at[0]} y={f.at[1] + 4.5 * unit} font-size={13 * unit} text-anchor="middle" fill="#fff" font-weight="700">
              {label ? label(i) : i + 1}
            </text>
          </g>
        );
      })}
    </g>
  );
}

/** A diameter's length in mm on the finding's slice. */
export function diameterMm(g: VolumeGeometry | null | undefined, f: Finding): number | null {
  if (typeof f.diameter_mm === 'number') return f.diameter_mm;
  if (!g || !f.diameter) return null;
  const z = f.at[2];
  return distanceMm(g, [f.diameter[0][0], f.diameter[0][1], z], [f.diameter[1][0], f.diameter[1][1], z]);
}

/** The chosen finding's attributes: a row of big buttons per attribute. */
export function FindingAttrs({ s, f, onPick, lang, id }: { s: FindingSettings; f: Finding; onPick: (attr: string, option: string) => void; lang: Lang; id: string }) {
  return (
    <div class="fd-attrs" data-testid="fd-attrs">
      {s.attributes.map((a) => (
        <fieldset key={a.key} class="fd-attr">
          <legend id={`${id}-attr-${a.key}`}>
            {nameOf(a, lang)}
            {a.required && <span class="fd-required"> *</span>}
          </legend>
          <div class="fd-opts">
            {a.options.map((o) => (
              <button
                key={o.key}
                type="button"
                class={'btn btn-secondary fd-opt' + (f.attrs?.[a.key] === o.key ? ' on' : '')}
                aria-pressed={f.attrs?.[a.key] === o.key}
                aria-keyshortcuts={o.hotkey ?? undefined}
                data-testid="fd-opt"
                data-attr={a.key}
                data-key={o.key}
                onClick={() => onPick(a.key, o.key)}
              >
                {o.hotkey && <kbd class="label-key">{o.hotkey.toUpperCase()}</kbd>}
                <span>{nameOf(o, lang)}</span>
              </button>
            ))}
          </div>
        </fieldset>
      ))}
    </div>
  );
}

export function FindingEditor(p: EditorProps & { goTo?: { z: number } | null }) {
  const { q, lang, field } = p;
  const s = findingSettings(q);
  const list = findingsOf(p.value);
  const answered = p.value !== undefined && p.value !== null;
  const [chosen, setChosen] = useState<number | null>(list.length ? 0 : null);
  const [goTo, setGoTo] = useState<{ z: number } | null>(p.goTo ?? (list.length ? { z: list[0].at[2] } : null));
  // the geometry the item gives, else the volume's own header (both from the same series)
  const [headerGeometry, setHeaderGeometry] = useState<VolumeGeometry | null>(null);
  const geometry = field?.volume ?? headerGeometry;
  const ref = useRef({ list, chosen });
  ref.current = { list, chosen };
  const sel = chosen !== null && chosen < list.length ? chosen : null;

  const put = (next: Finding[], pick: number | null) => {
    setChosen(pick);
    ref.current = { list: next, chosen: pick };
    p.onChange(next.length ? { findings: next } : undefined);
  };
  const tools: ViewerTool[] = [
    { key: 'mark', icon: 'plus', label: t('fd_tool_mark', {}, lang) },
    { key: 'diameter', icon: 'polyline', label: t('fd_tool_diameter', {}, lang), line: true },
    ...(s.outline ? [{ key: 'outline', icon: 'polygon' as const, label: t('fd_tool_outline', {}, lang) }] : []),
  ];
  const onTap = (tool: string, at: Pt2, z: number) => {
    const { list: l, chosen: c } = ref.current;
    if (tool === 'mark') {
      const hit = hitFinding(l, at, z, 12);
      if (hit >= 0) return setChosen(hit);
      if (l.length >= s.max_findings) return;
      put([...l, { at: [at[0], at[1], z], attrs: {} }], l.length);
      return;
    }
    if (tool === 'outline' && c !== null && l[c] && l[c].at[2] === z && (l[c].outline?.length ?? 0) < MAX_OUTLINE_POINTS) {
      const next = l.slice();
      next[c] = { ...l[c], outline: [...(l[c].outline ?? []), at] };
      put(next, c);
    }
  };
  const onLine = (_tool: string, a: Pt2, b: Pt2, z: number) => {
    const { list: l, chosen: c } = ref.current;
    // the chosen finding when on this slice, else the one nearest the line's middle, else a new one there
    const mid: Pt2 = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
    let i = c !== null && l[c]?.at[2] === z ? c : hitFinding(l, mid, z, Math.max(12, Math.hypot(a[0] - b[0], a[1] - b[1])));
    const next = l.slice();
    if (i < 0) {
      if (l.length >= s.max_findings) return;
      next.push({ at: [mid[0], mid[1], z], attrs: {} });
      i = next.length - 1;
    }
    next[i] = { ...next[i], diameter: [a, b] };
    delete next[i].diameter_mm;
    put(next, i);
  };
  const pick = (attr: string, option: string) => {
    const { list: l, chosen: c } = ref.current;
    if (c === null || !l[c]) return;
    const next = l.slice();
    next[c] = { ...l[c], attrs: { ...l[c].attrs, [attr]: option } };
    put(next, c);
  };
  const remove = (i: number) => {
    const next = list.filter((_, j) => j !== i);
    // the last one deleted: not answered (nothing found is a choice of its own)
    setChosen(next.length ? Math.min(i, next.length - 1) : null);
    p.onChange(next.length ? { findings: next } : undefined);
  };

  // an attribute's hotkey picks it for the chosen finding; Delete removes the chosen one
  useEffect(() => {
    const keys = new Map<string, [string, string]>();
    for (const a of s.attributes) for (const o of a.options) if (o.hotkey) keys.set(o.hotkey.toLowerCase(), [a.key, o.key]);
    const f = (e: KeyboardEvent) => {
      const tag = (e.target as HTMLElement | null)?.tagName;
      if (tag === 'INPUT' || tag === 'TEXTAREA' || e.ctrlKey || e.metaKey || e.altKey) return;
      if (ref.current.chosen === null) return;
      if (e.key === 'Delete' || e.key === 'Backspace') {
        // the chosen finding goes (not the form's "back", as a chosen box's Backspace)
        e.preventDefault();
        e.stopImmediatePropagation();
        remove(ref.current.chosen);
        return;
      }
      const hit = keys.get(e.key.toLowerCase());
      if (!hit) return;
      e.preventDefault();
      e.stopImmediatePropagation();
      pick(hit[0], hit[1]);
    };
    window.addEventListener('keydown', f, true);
    return () => window.removeEventListener('keydown', f, true);
  });

  const sha = seriesSha(field);
  if (!sha) return <p class="field-error">{t('mv_failed', {}, lang)}</p>;
  const f = sel !== null ? list[sel] : null;
  return (
    <div class="q-finding" data-testid="finding-editor">
      <div class="fd-view">
        <Viewer
          sha={sha}
          lang={lang}
          tools={tools}
          goTo={goTo}
          onTap={onTap}
          onLine={onLine}
          onLoad={(l) => setHeaderGeometry(l.header.geometry)}
          overlay={(z, unit) => <FindingMarks list={list} z={z} unit={unit} colour={FINDING_COLOUR} chosen={sel} />}
          testid="finding-viewer"
        />
      </div>
      <div class="fd-side">
        <p class="fd-hint">{t('fd_hint', {}, lang)}</p>
        <button
          type="button"
          class={'btn btn-secondary fd-none' + (answered && !list.length ? ' on' : '')}
          aria-pressed={answered && !list.length}
          disabled={list.length > 0}
          data-testid="fd-none"
          onClick={() => {
            setChosen(null);
            p.onChange({ findings: [] });
          }}
        >
          <Icon name="ban" />
          <span>{t('fd_none', {}, lang)}</span>
        </button>
        {f && (
          <section class="fd-chosen" aria-label={t('fd_item', { n: sel! + 1 }, lang)}>
            <h3>
              <span class="fd-num">{sel! + 1}</span> {t('fd_item', { n: sel! + 1 }, lang)} · {t('fd_on_slice', { z: f.at[2] + 1 }, lang)}
            </h3>
            <FindingAttrs s={s} f={f} onPick={pick} lang={lang} id={p.id} />
            <p class="fd-dia" data-testid="fd-diameter">
              {diameterMm(geometry, f) !== null ? t('fd_diameter', { mm: diameterMm(geometry, f)!.toFixed(1) }, lang) : t('fd_no_diameter', {}, lang)}
              {f.outline?.length ? ' · ' + t('fd_outline_points', { n: f.outline.length }, lang) : ''}
            </p>
            <div class="vw-row">
              {f.outline?.length ? (
                <button
                  type="button"
                  class="btn btn-secondary"
                  data-testid="fd-outline-clear"
                  onClick={() => {
                    const next = list.slice();
                    next[sel!] = { ...f };
                    delete next[sel!].outline;
                    put(next, sel);
                  }}
                >
                  <Icon name="undo" />
                  <span>{t('fd_outline_clear', {}, lang)}</span>
                </button>
              ) : null}
              <button type="button" class="btn btn-secondary fd-delete" aria-keyshortcuts="Delete Backspace" data-testid="fd-delete" onClick={() => remove(sel!)}>
                <Icon name="trash" />
                <span>{t('fd_delete', {}, lang)}</span>
              </button>
            </div>
          </section>
        )}
        {list.length > 0 && (
          <ol class="fd-list" aria-label={t('fd_list', {}, lang)} data-testid="fd-list">
            {list.map((x, i) => (
              <li key={i}>
                <button
                  type="button"
                  class={'btn btn-secondary fd-row' + (i === sel ? ' on' : '')}
                  aria-pressed={i === sel}
                  data-testid="fd-row"
                  onClick={() => {
                    setChosen(i);
                    setGoTo({ z: x.at[2] });
                  }}
                >
                  <span class="fd-num">{i + 1}</span>
                  <span>
                    {t('fd_on_slice', { z: x.at[2] + 1 }, lang)}
                    {s.attributes
                      .map((a) => a.options.find((o) => o.key === x.attrs?.[a.key]))
                      .filter((o) => !!o)
                      .map((o) => ' · ' + nameOf(o!, lang))
                      .join('')}
                  </span>
                </button>
              </li>
            ))}
          </ol>
        )}
        {list.length >= s.max_findings && <p class="fd-hint">{t('fd_max', { n: s.max_findings }, lang)}</p>}
      </div>
    </div>
  );
}
