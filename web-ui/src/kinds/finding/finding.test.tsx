import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { setLang } from '../../i18n';
import { kindOf } from '../index';
import type { Question } from '../types';
import { FindingEditor } from './Editor';
import { FindingReview } from './Review';
import { checkFinding, findingSettings, hitFinding, normaliseFinding } from './model';
import { geometry, mdv1, server } from '../../medical/synthetic';
import { TemplateForm } from '../../pages/work/TemplateForm';
import type { Template } from '../types';

const q: Question = {
  key: 'aneurysm',
  kind: 'finding',
  title_zh: '动脉瘤',
  title_en: 'Aneurysms',
  field: 'series',
  settings: {
    attributes: [
      {
        key: 'location',
        zh: '位置',
        en: 'Location',
        required: true,
        options: [
          { key: 'ica', zh: '颈内动脉', en: 'ICA', hotkey: 'i' },
          { key: 'mca', zh: '大脑中动脉', en: 'MCA', hotkey: 'm' },
        ],
      },
      { key: 'size', zh: '大小', en: 'Size', required: false, options: [{ key: 'small', zh: '<7mm', en: '<7 mm' }] },
    ],
    outline: true,
    match_mm: 5,
    max_findings: 2,
  } as unknown as Question['settings'],
};

const g = geometry(8, 6, 12);
const field = { name: 'series', kind: 'series' as const, sha256: 'abc', width: 8, height: 6, volume: g };

describe('finding answers', () => {
  it('reads the settings with defaults', () => {
    const s = findingSettings(q);
    expect(s.attributes.map((a) => a.key)).toEqual(['location', 'size']);
    expect(s.attributes[0].options[1]).toEqual({ key: 'mca', zh: '大脑中动脉', en: 'MCA', hotkey: 'm' });
    expect(findingSettings({ ...q, settings: {} })).toMatchObject({ outline: false, match_mm: 5, max_findings: 20 });
  });

  it('checks shapes, required attributes, outlines and the count', () => {
    const ok = { findings: [{ at: [1.5, 2, 3], diameter: [[1, 1], [3, 1]], outline: [[0, 0], [2, 0], [2, 2]], attrs: { location: 'mca' } }] };
    expect(checkFinding(q, ok)).toBeNull();
    expect(checkFinding(q, { findings: [] })).toBeNull();
    expect(checkFinding(q, [])).toEqual({ key: 'q_bad' });
    expect(checkFinding(q, { findings: [{ at: [1, 2, 3.5], attrs: { location: 'mca' } }] })).toEqual({ key: 'q_bad' });
    expect(checkFinding(q, { findings: [{ at: [1, 2, 3], attrs: { location: 'acom' } }] })).toEqual({ key: 'q_bad' });
    expect(checkFinding(q, { findings: [{ at: [1, 2, 3], attrs: {} }] })).toMatchObject({ key: 'fd_attr_missing' });
    expect(checkFinding(q, { findings: [{ at: [1, 2, 3], outline: [[0, 0], [1, 1]], attrs: { location: 'ica' } }] })).toEqual({ key: 'q_bad' });
    expect(checkFinding({ ...q, settings: { ...q.settings, outline: false } }, ok)).toEqual({ key: 'q_bad' });
    const long = { findings: [{ at: [1, 1, 1], outline: Array.from({ length: 501 }, (_, i) => [i % 8, 1]), attrs: { location: 'ica' } }] };
    expect(checkFinding(q, long)).toEqual({ key: 'q_bad' });
    // the server's spelling of attribute names (name_zh / name_en) reads the same
    expect(findingSettings({ ...q, settings: { attributes: [{ key: 'location', name_zh: '位置', name_en: '', options: [{ key: 'mca', name_zh: '大脑中动脉', name_en: 'MCA' }] }] } as never }).attributes[0]).toMatchObject({ zh: '位置', options: [{ key: 'mca', zh: '大脑中动脉', en: 'MCA' }] });
    const three = { findings: [0, 1, 2].map((z) => ({ at: [1, 1, z], attrs: { location: 'ica' } })) };
    expect(checkFinding(q, three)).toEqual({ key: 'fd_max', vars: { n: 2 } });
  });

  it('sends voxels only: the server places mm and the diameter in mm', () => {
    const v = { findings: [{ at: [1, 2, 3], mm: [9, 9, 9], diameter: [[1, 1], [3, 1]], diameter_mm: 99, attrs: { location: 'ica' } }] };
    expect(normaliseFinding(q, v)).toEqual({ findings: [{ at: [1, 2, 3], diameter: [[1, 1], [3, 1]], attrs: { location: 'ica' } }] });
  });

  it('words an answer and reads the question aloud', () => {
    const k = kindOf('finding')!;
    expect(k.text(q, { findings: [] }, 'zh-CN')).toBe('没有发现');
    expect(k.text(q, { findings: [{ at: [1, 2, 3], diameter_mm: 4.25, attrs: { location: 'mca', size: 'small' } }] }, 'en')).toBe('1 findings: #1 slice 4 MCA <7 mm ⌀4.3mm'.replace(': ', '：'));
    expect(k.readAloud(q, 'zh-CN')).toContain('位置、大小');
  });

  it('finds the marker under a tap on its slice only', () => {
    const list = [
      { at: [2, 2, 3] as [number, number, number], attrs: {} },
      { at: [2, 3, 4] as [number, number, number], attrs: {} },
    ];
    expect(hitFinding(list, [2.5, 2], 3, 2)).toBe(0);
    expect(hitFinding(list, [2, 3], 3, 0.5)).toBe(-1);
    expect(hitFinding(list, [2, 3], 4, 2)).toBe(1);
  });
});

class FakeImageData {
  data: Uint8ClampedArray;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Uint8ClampedArray(width * height * 4);
  }
}

let root: HTMLDivElement;
beforeEach(() => {
  setLang('zh-CN');
  const s = server(mdv1('i16', g, (x, y, z) => 10 * z + x + y));
  vi.stubGlobal('fetch', s.fetcher);
  vi.stubGlobal('ImageData', FakeImageData);
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(() => ({ putImageData: () => {} }) as never);
  root = document.createElement('div');
  document.body.appendChild(root);
});
afterEach(() => {
  render(null, root);
  root.remove();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

const all = (id: string) => [...root.querySelectorAll(`[data-testid="${id}"]`)] as HTMLElement[];
const one = (id: string) => all(id)[0];
async function settle() {
  await act(async () => {
    await new Promise((r) => setTimeout(r, 60));
  });
}

describe('finding editor', () => {
  it('marks, names, measures, outlines, lists and deletes findings; nothing found is explicit', async () => {
    let value: unknown = undefined;
    // no geometry on the field: the editor measures with the volume header's
    const bare = { ...field, volume: undefined };
    const show = () => render(<FindingEditor q={q} value={value} onChange={(v) => ((value = v), show())} field={bare} lang="zh-CN" id="q-a" />, root);
    await act(async () => show());
    await settle();
    expect(one('vw-count').textContent).toBe('7 / 12');
    // "nothing found" chosen explicitly
    await act(async () => one('fd-none').click());
    expect(value).toEqual({ findings: [] });
    expect(one('fd-none').getAttribute('aria-pressed')).toBe('true');
    const stage = one('vw-stage');
    const ptr = (type: string, x: number, y: number) => stage.dispatchEvent(new PointerEvent(type, { clientX: x, clientY: y, pointerId: 1, bubbles: true }));
    // a tap marks finding 1 at (3, 2) on slice index 6
    await act(async () => {
      ptr('pointerdown', 3, 2);
      ptr('pointerup', 3, 2);
    });
    expect(value).toEqual({ findings: [{ at: [3, 2, 6], attrs: {} }] });
    expect((one('fd-none') as HTMLButtonElement).disabled).toBe(true);
    expect(all('fd-marker').length).toBe(1);
    expect(kindOf('finding')!.check(q, value)).toMatchObject({ key: 'fd_attr_missing' });
    // its location by button, its size by hotkey-less button
    await act(async () => all('fd-opt').find((b) => b.dataset.key === 'mca')!.click());
    expect(kindOf('finding')!.check(q, value)).toBeNull();
    // the hotkey I picks ICA for the chosen finding
    await act(async () => void window.dispatchEvent(new KeyboardEvent('keydown', { key: 'i' })));
    expect((value as { findings: { attrs: object }[] }).findings[0].attrs).toEqual({ location: 'ica' });
    // a diameter: 6 columns at 0.5 mm = 3 mm
    await act(async () => one('vw-tool-diameter').click());
    await act(async () => {
      ptr('pointerdown', 1, 2);
      ptr('pointermove', 7, 2);
      ptr('pointerup', 7, 2);
    });
    expect((value as { findings: { diameter: unknown }[] }).findings[0].diameter).toEqual([
      [1, 2],
      [7, 2],
    ]);
    expect(one('fd-diameter').textContent).toContain('直径 3.0 mm');
    // an outline of three taps
    await act(async () => one('vw-tool-outline').click());
    for (const [x, y] of [
      [2, 1],
      [4, 1],
      [4, 3],
    ])
      await act(async () => {
        ptr('pointerdown', x, y);
        ptr('pointerup', x, y);
      });
    expect((value as { findings: { outline: unknown[] }[] }).findings[0].outline.length).toBe(3);
    expect(kindOf('finding')!.check(q, value)).toBeNull();
    // a second finding on another slice; the list jumps back to the first's slice
    await act(async () => one('vw-next').click());
    await act(async () => one('vw-tool-mark').click());
    await act(async () => {
      ptr('pointerdown', 6, 4);
      ptr('pointerup', 6, 4);
    });
    expect((value as { findings: unknown[] }).findings.length).toBe(2);
    expect(all('fd-row').length).toBe(2);
    await act(async () => all('fd-row')[0].click());
    await settle();
    expect(one('vw-count').textContent).toBe('7 / 12');
    // at most two: a third tap adds nothing
    await act(async () => {
      ptr('pointerdown', 7, 5);
      ptr('pointerup', 7, 5);
    });
    expect((value as { findings: unknown[] }).findings.length).toBe(2);
    // delete both: not answered again (nothing found must be chosen, not implied)
    await act(async () => one('fd-delete').click());
    await act(async () => one('fd-delete').click());
    expect(value).toBeUndefined();
  });
});

describe('finding review', () => {
  it("shows every annotator's findings on one viewer, coloured, with a table", async () => {
    const a = { findings: [{ at: [3, 2, 5], diameter_mm: 4.2, attrs: { location: 'mca' } }] };
    const b = { findings: [{ at: [3, 2.5, 5], attrs: { location: 'ica' } }, { at: [1, 1, 9], attrs: { location: 'mca' } }] };
    await act(async () =>
      render(
        <FindingReview
          q={q}
          lang="en"
          field={field}
          answers={[
            { who: 'A', colour: '#1e88e5', value: a },
            { who: 'B', colour: '#e53935', value: b },
            { who: 'C', colour: '#43a047', value: { findings: [] } },
          ]}
        />,
        root,
      ),
    );
    await settle();
    const rows = all('fd-table-row');
    expect(rows.map((r) => r.textContent)).toEqual([' A16MCA—4.2', ' B16ICA——', ' B210MCA——']);
    expect(all('fd-table-none').map((r) => r.textContent)).toEqual([' CNothing found']);
    // the viewer opened on the first finding's slice, with A's and B's markers there
    expect(one('vw-count').textContent).toBe('6 / 12');
    expect(all('fd-marker').map((m) => m.textContent)).toEqual(['A1', 'B1']);
    await act(async () => rows[2].click());
    await settle();
    expect(one('vw-count').textContent).toBe('10 / 12');
    expect(all('fd-marker').map((m) => m.textContent)).toEqual(['B2']);
  });
});

describe('a series field in the template form', () => {
  const item = { fields: [field] };
  const until = async (f: () => boolean) => {
    for (let i = 0; i < 100 && !f(); i++) await settle();
  };
  it('shows the viewer for a question about the series, and one viewer only when a finding question draws on it', async () => {
    const asked: Template = { fields: [{ name: 'series', kind: 'series' }], questions: [{ key: 'ok', kind: 'choice', title_zh: '能用吗', field: 'series', options: [{ key: 'y', name_zh: '能' }, { key: 'n', name_zh: '不能' }] }] };
    await act(async () => render(<TemplateForm template={asked} item={item} onSubmit={() => {}} narrow={false} />, root));
    await until(() => all('viewer').length > 0);
    expect(one('tpl-field').dataset.kind).toBe('series');
    expect(all('viewer').length).toBe(1);
    render(null, root);
    const drawn: Template = { fields: [{ name: 'series', kind: 'series' }], questions: [q] };
    let given: unknown = null;
    await act(async () => render(<TemplateForm template={drawn} item={item} onSubmit={(a) => (given = a)} narrow={false} />, root));
    await until(() => all('finding-viewer').length > 0);
    expect(all('tpl-field').length).toBe(0);
    expect(all('finding-viewer').length).toBe(1);
    // nothing found, given: the answer is an empty list
    await act(async () => one('fd-none').click());
    await act(async () => one('q-submit').click());
    expect(given).toEqual({ aneurysm: { findings: [] } });
  });
});
