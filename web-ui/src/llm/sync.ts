// Two answers side by side scroll together: scrolling one moves the other to the same share
// of its own height (they are seldom the same length).

/** Moves `to` to the share of its scroll range that `from` is at. */
export function follow(from: HTMLElement, to: HTMLElement): void {
  const range = from.scrollHeight - from.clientHeight;
  const share = range > 0 ? from.scrollTop / range : 0;
  const toRange = to.scrollHeight - to.clientHeight;
  to.scrollTop = Math.round(share * Math.max(0, toRange));
}

/**
 * Keeps the scroll of every element of `els` in step; answers the function that stops it.
 * The move it makes itself is not followed back (no see-saw): its scroll event finds the
 * element where it was put. (A browser fires one scroll event a frame, so a reader's own
 * scroll in the same frame as that move still counts: it leaves the element elsewhere.)
 * Nothing moves while `active()` says no (e.g. answers stacked on a phone).
 */
export function syncScroll(els: HTMLElement[], active: () => boolean = () => true): () => void {
  const put = new Map<HTMLElement, number>();
  const offs = els.map((el) => {
    const on = () => {
      const mine = put.get(el);
      put.delete(el);
      if (mine !== undefined && Math.abs(el.scrollTop - mine) < 1) return;
      if (!active()) return;
      for (const other of els) {
        if (other === el) continue;
        const before = other.scrollTop;
        follow(el, other);
        if (other.scrollTop !== before) put.set(other, other.scrollTop);
      }
    };
    el.addEventListener('scroll', on, { passive: true });
    return () => el.removeEventListener('scroll', on);
  });
  return () => offs.forEach((f) => f());
}
