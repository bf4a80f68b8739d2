// Loads the lead's pages (and the client's results and report) on first use, so the
// annotator's bundle stays small.

import { useEffect, useState } from 'preact/hooks';

export type LeadModule = typeof import('./all');

let loading: Promise<LeadModule> | null = null;

export function loadLeadModule(): Promise<LeadModule> {
  loading ??= import('./all');
  return loading;
}

/** The lead's pages once loaded (`null` meanwhile). */
export function useLeadModule(): LeadModule | null {
  const [m, setM] = useState<LeadModule | null>(null);
  useEffect(() => {
    let alive = true;
    void loadLeadModule().then((x) => alive && setM(() => x));
    return () => {
      alive = false;
    };
  }, []);
  return m;
}
