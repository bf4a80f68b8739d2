// A rubric's agreement per axis: one row per axis with its name, a bar and Krippendorff's α,
// so a client or lead sees which axis the annotators read alike and which one the
// instructions leave open. From the client's quality report (`questions[].parts`, named from
// the template) or the lead's worker page (`orders[].axes`, named by the server). Fits 360 px.

import { getLang, t, type Lang } from '../i18n';
import type { Template } from '../kinds/types';
import { optionName, questionTitle } from '../kinds/types';

/** One question of several parts, ready to draw. */
export interface AxisQuestion {
  key: string;
  title: string;
  parts: { key: string; name: string; alpha: number | null }[];
}

/** The quality report's figures of a question. */
export interface QuestionAlpha {
  key: string;
  kind: string;
  krippendorff_alpha: number | null;
  parts?: { key: string; krippendorff_alpha: number | null }[];
}

/** The lead's worker page's axes of an order. */
export interface LeadAxes {
  key: string;
  title_zh: string;
  title_en: string;
  parts: { key: string; name_zh: string; name_en: string; krippendorff_alpha: number | null }[];
}

/** α under this is called low (Krippendorff's own line for tentative conclusions). */
export const ALPHA_LOW = 0.667;

/** A bar's width in percent: α from 0 to 1 (below 0 drawn empty). */
export function barWidth(alpha: number | null): number {
  if (alpha == null || !Number.isFinite(alpha)) return 0;
  return Math.round(Math.min(1, Math.max(0, alpha)) * 100);
}

export function fromReport(questions: QuestionAlpha[], template: Template | null | undefined, lang: Lang): AxisQuestion[] {
  return questions
    .filter((q) => (q.parts?.length ?? 0) > 0)
    .map((q) => {
      const def = template?.questions.find((x) => x.key === q.key);
      return {
        key: q.key,
        title: def ? questionTitle(def, lang) : q.key,
        parts: q.parts!.map((p) => {
          const o = def?.options?.find((x) => x.key === p.key);
          return { key: p.key, name: o ? optionName(o, lang) : p.key, alpha: p.krippendorff_alpha };
        }),
      };
    });
}

export function fromLead(axes: LeadAxes[], lang: Lang): AxisQuestion[] {
  return axes.map((q) => ({
    key: q.key,
    title: lang === 'en' ? q.title_en || q.title_zh : q.title_zh,
    parts: q.parts.map((p) => ({ key: p.key, name: lang === 'en' ? p.name_en || p.name_zh : p.name_zh, alpha: p.krippendorff_alpha })),
  }));
}

export function AxisAlpha({ questions }: { questions: AxisQuestion[] }) {
  if (!questions.length) return null;
  return (
    <>
      {questions.map((q) => (
        <div class="table-scroll" key={q.key}>
          <table class="axis-alpha" data-testid="axis-alpha" data-question={q.key}>
            <caption>
              {t('axis_alpha')}：{q.title}
              <small class="muted">{t('axis_alpha_hint')}</small>
            </caption>
            <thead>
              <tr>
                <th scope="col">{t('col_axis')}</th>
                <th scope="col">α</th>
              </tr>
            </thead>
            <tbody>
              {q.parts.map((p) => {
                const low = p.alpha != null && p.alpha < ALPHA_LOW;
                return (
                  <tr key={p.key} data-testid="axis-row" data-axis={p.key} data-low={low ? 'yes' : 'no'}>
                    <th scope="row">{p.name}</th>
                    <td>
                      <span class="axis-bar" aria-hidden="true">
                        <span class={'axis-fill' + (low ? ' low' : '')} style={{ width: `${barWidth(p.alpha)}%` }} />
                      </span>
                      <span class="axis-value">{p.alpha == null ? t('axis_alpha_none') : p.alpha.toFixed(2)}</span>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ))}
    </>
  );
}

/** The axes of a client's quality report, in the language shown. */
export function ReportAxes({ questions, template }: { questions: QuestionAlpha[]; template: Template | null | undefined }) {
  return <AxisAlpha questions={fromReport(questions, template, getLang())} />;
}
