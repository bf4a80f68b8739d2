// A QR code of a link, drawn as SVG, for a phone's camera to open (the encoder is loaded only
// when a code is shown, so the login screens stay small).

import { useEffect, useState } from 'preact/hooks';

/** The SVG path of the dark modules (one square per module), with a quiet zone of `border`. */
export function qrPath(modules: boolean[][], border: number): string {
  let d = '';
  modules.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) d += `M${x + border} ${y + border}h1v1h-1z`;
    }),
  );
  return d;
}

export function QrCode({ text, label, size = 232 }: { text: string; label: string; size?: number }) {
  const [modules, setModules] = useState<boolean[][] | null>(null);
  useEffect(() => {
    let alive = true;
    import('uqr')
      .then(({ encode }) => {
        if (alive) setModules(encode(text, { ecc: 'M', border: 0 }).data);
      })
      .catch(() => {
        // no code, the link and the code stay readable
      });
    return () => {
      alive = false;
    };
  }, [text]);
  if (!modules) return null;
  const border = 4;
  const n = modules.length + 2 * border;
  return (
    <svg
      class="qr"
      data-testid="qr"
      role="img"
      aria-label={label}
      viewBox={`0 0 ${n} ${n}`}
      width={size}
      height={size}
      shape-rendering="crispEdges"
    >
      <rect width={n} height={n} fill="#fff" />
      <path d={qrPath(modules, border)} fill="#000" />
    </svg>
  );
}
