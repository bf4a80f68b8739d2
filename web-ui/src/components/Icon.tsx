// Inline SVG icons (no emoji: cheap PCs often lack a colour-emoji font). Always decorative:
// the control that holds one also has visible text or an aria-label.

const P = (d: string) => <path d={d} />;

const ICONS = {
  download: (
    <>
      {P('M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4')}
      {P('M7 10l5 5 5-5')}
      {P('M12 15V3')}
    </>
  ),
  play: <path d="M7 4l13 8-13 8z" fill="currentColor" />,
  clock: (
    <>
      {P('M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20z')}
      {P('M12 6v6l4 2')}
    </>
  ),
  logout: (
    <>
      {P('M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4')}
      {P('M16 17l5-5-5-5')}
      {P('M21 12H9')}
    </>
  ),
  globe: (
    <>
      <circle cx="12" cy="12" r="10" />
      {P('M2 12h20')}
      {P('M12 2a15 15 0 0 1 4 10 15 15 0 0 1-4 10 15 15 0 0 1-4-10 15 15 0 0 1 4-10z')}
    </>
  ),
  backspace: (
    <>
      {P('M21 4H8l-7 8 7 8h13a2 2 0 0 0 2-2V6a2 2 0 0 0-2-2z')}
      {P('M18 9l-6 6M12 9l6 6')}
    </>
  ),
  check: P('M20 6L9 17l-5-5'),
  lock: (
    <>
      <rect x="3" y="11" width="18" height="11" rx="2" />
      {P('M7 11V7a5 5 0 0 1 10 0v4')}
    </>
  ),
  unlock: (
    <>
      <rect x="3" y="11" width="18" height="11" rx="2" />
      {P('M7 11V7a5 5 0 0 1 9.9-1')}
    </>
  ),
  user: (
    <>
      {P('M20 21v-2a4 4 0 0 0-4-4H8a4 4 0 0 0-4 4v2')}
      <circle cx="12" cy="7" r="4" />
    </>
  ),
  users: (
    <>
      {P('M17 21v-2a4 4 0 0 0-4-4H5a4 4 0 0 0-4 4v2')}
      <circle cx="9" cy="7" r="4" />
      {P('M23 21v-2a4 4 0 0 0-3-3.87M16 3.13a4 4 0 0 1 0 7.75')}
    </>
  ),
  phone: (
    <>
      <rect x="5" y="2" width="14" height="20" rx="2" />
      {P('M12 18h.01')}
    </>
  ),
  monitor: (
    <>
      <rect x="2" y="3" width="20" height="14" rx="2" />
      {P('M8 21h8M12 17v4')}
    </>
  ),
  plus: P('M12 5v14M5 12h14'),
  trash: (
    <>
      {P('M3 6h18')}
      {P('M19 6l-1 14a2 2 0 0 1-2 2H8a2 2 0 0 1-2-2L5 6')}
      {P('M10 11v6M14 11v6M9 6V4a1 1 0 0 1 1-1h4a1 1 0 0 1 1 1v2')}
    </>
  ),
  key: (
    <>
      <circle cx="7.5" cy="15.5" r="5" />
      {P('M11 12l10-10M16 7l3 3M19 4l2 2')}
    </>
  ),
  alert: (
    <>
      <circle cx="12" cy="12" r="10" />
      {P('M12 7v6M12 17h.01')}
    </>
  ),
  info: (
    <>
      <circle cx="12" cy="12" r="10" />
      {P('M12 16v-5M12 8h.01')}
    </>
  ),
  copy: (
    <>
      <rect x="9" y="9" width="13" height="13" rx="2" />
      {P('M5 15H4a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2h9a2 2 0 0 1 2 2v1')}
    </>
  ),
  back: P('M19 12H5M12 19l-7-7 7-7'),
  building: P('M3 21h18M5 21V7l7-4 7 4v14M9 9h1M14 9h1M9 13h1M14 13h1M10 21v-4h4v4'),
  tea: (
    <>
      {P('M17 8h1a4 4 0 1 1 0 8h-1')}
      {P('M3 8h14v9a4 4 0 0 1-4 4H7a4 4 0 0 1-4-4z')}
      {P('M6 2v2M10 2v2M14 2v2')}
    </>
  ),
  coin: (
    <>
      <circle cx="12" cy="12" r="10" />
      {P('M8.5 7l3.5 4.5L15.5 7M12 11.5V18M9 13h6M9 15.5h6')}
    </>
  ),
  done: (
    <>
      {P('M22 11.08V12a10 10 0 1 1-5.93-9.14')}
      {P('M22 4L12 14.01l-3-3')}
    </>
  ),
  link: (
    <>
      {P('M10 13a5 5 0 0 0 7.54.54l3-3a5 5 0 0 0-7.07-7.07l-1.72 1.71')}
      {P('M14 11a5 5 0 0 0-7.54-.54l-3 3a5 5 0 0 0 7.07 7.07l1.71-1.71')}
    </>
  ),
  x: P('M18 6L6 18M6 6l12 12'),
  refresh: (
    <>
      {P('M23 4v6h-6')}
      {P('M20.49 15a9 9 0 1 1-2.12-9.36L23 10')}
    </>
  ),
  ban: (
    <>
      <circle cx="12" cy="12" r="10" />
      {P('M4.93 4.93l14.14 14.14')}
    </>
  ),
  briefcase: (
    <>
      <rect x="2" y="7" width="20" height="14" rx="2" />
      {P('M16 21V5a2 2 0 0 0-2-2h-4a2 2 0 0 0-2 2v16')}
    </>
  ),
  database: (
    <>
      <ellipse cx="12" cy="5" rx="9" ry="3" />
      {P('M21 12c0 1.66-4 3-9 3s-9-1.34-9-3')}
      {P('M3 5v14c0 1.66 4 3 9 3s9-1.34 9-3V5')}
    </>
  ),
  upload: (
    <>
      {P('M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4')}
      {P('M17 8l-5-5-5 5M12 3v12')}
    </>
  ),
  image: (
    <>
      <rect x="3" y="3" width="18" height="18" rx="2" />
      <circle cx="8.5" cy="8.5" r="1.5" />
      {P('M21 15l-5-5L5 21')}
    </>
  ),
  file: (
    <>
      {P('M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8z')}
      {P('M14 2v6h6')}
    </>
  ),
  clipboard: (
    <>
      {P('M16 4h2a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2h2')}
      <rect x="8" y="2" width="8" height="4" rx="1" />
      {P('M9 12h6M9 16h4')}
    </>
  ),
  pause: P('M7 4v16M17 4v16'),
  edit: (
    <>
      {P('M12 20h9')}
      {P('M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4z')}
    </>
  ),
  send: P('M22 2L11 13M22 2l-7 20-4-9-9-4z'),
  star: P('M12 2l3.1 6.3 6.9 1-5 4.9 1.2 6.8L12 17.8 5.8 21l1.2-6.8-5-4.9 6.9-1z'),
  tag: (
    <>
      {P('M20.6 13.4l-7.2 7.2a2 2 0 0 1-2.8 0L2 12V2h10l8.6 8.6a2 2 0 0 1 0 2.8z')}
      {P('M7 7h.01')}
    </>
  ),
  chart: P('M3 3v18h18M8 17v-5M13 17V8M18 17v-8'),
  forward: P('M5 12h14M12 5l7 7-7 7'),
  more: P('M6 9l6 6 6-6'),
  copyDup: P('M8 8h12v12H8zM4 16V4h12'),
  shield: P('M12 22s8-4 8-10V5l-8-3-8 3v7c0 6 8 10 8 10z'),
  // the annotator's work screen
  help: (
    <>
      <circle cx="12" cy="12" r="10" />
      {P('M9.1 9a3 3 0 0 1 5.8 1c0 2-3 3-3 3M12 17h.01')}
    </>
  ),
  speaker: (
    <>
      <path d="M11 5L6 9H2v6h4l5 4z" fill="currentColor" />
      {P('M15.5 8.5a5 5 0 0 1 0 7M19 5a10 10 0 0 1 0 14')}
    </>
  ),
  // an open book: "learn from these"
  book: (
    <>
      {P('M2 4h6a4 4 0 0 1 4 4v13a3 3 0 0 0-3-3H2z')}
      {P('M22 4h-6a4 4 0 0 0-4 4v13a3 3 0 0 1 3-3h7z')}
    </>
  ),
  eyeOff: (
    <>
      {P('M17.9 17.9A10 10 0 0 1 12 20C5 20 1 12 1 12a18 18 0 0 1 5.1-5.9M9.9 4.2A9 9 0 0 1 12 4c7 0 11 8 11 8a18 18 0 0 1-2.2 3.2')}
      {P('M14.1 14.1a3 3 0 1 1-4.2-4.2M1 1l22 22')}
    </>
  ),
  imageOff: (
    <>
      {P('M21 15V5a2 2 0 0 0-2-2H9M3 3l18 18M3 7v12a2 2 0 0 0 2 2h12')}
      {P('M3 17l5-5 3 3')}
    </>
  ),
  zoomIn: (
    <>
      <circle cx="11" cy="11" r="7" />
      {P('M21 21l-4.3-4.3M11 8v6M8 11h6')}
    </>
  ),
  zoomOut: (
    <>
      <circle cx="11" cy="11" r="7" />
      {P('M21 21l-4.3-4.3M8 11h6')}
    </>
  ),
  fit: P('M8 3H5a2 2 0 0 0-2 2v3M21 8V5a2 2 0 0 0-2-2h-3M3 16v3a2 2 0 0 0 2 2h3M16 21h3a2 2 0 0 0 2-2v-3'),
  sun: (
    <>
      <circle cx="12" cy="12" r="4" />
      {P('M12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4')}
    </>
  ),
  contrast: (
    <>
      <circle cx="12" cy="12" r="10" />
      <path d="M12 2a10 10 0 0 1 0 20z" fill="currentColor" />
    </>
  ),
  cloudOff: (
    <>
      {P('M22.6 17.3A5 5 0 0 0 18 10h-1.3A8 8 0 0 0 9 4.2M5 5a8 8 0 0 0 4 15h9a5 5 0 0 0 1.7-.3')}
      {P('M1 1l22 22')}
    </>
  ),
  home: (
    <>
      {P('M3 10l9-7 9 7v10a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z')}
      {P('M9 22V12h6v10')}
    </>
  ),
  message: P('M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z'),
  box: (
    <>
      <rect x="3" y="3" width="18" height="18" rx="1" stroke-dasharray="4 3" />
      <rect x="7" y="7" width="10" height="10" rx="1" />
    </>
  ),
  skip: P('M5 4l10 8-10 8zM19 5v14'),
  undo: (
    <>
      {P('M3 7v6h6')}
      {P('M21 17a9 9 0 0 0-15-6.7L3 13')}
    </>
  ),
  redo: (
    <>
      {P('M21 7v6h-6')}
      {P('M3 17a9 9 0 0 1 15-6.7L21 13')}
    </>
  ),
  eye: (
    <>
      {P('M1 12s4-8 11-8 11 8 11 8-4 8-11 8S1 12 1 12z')}
      <circle cx="12" cy="12" r="3" />
    </>
  ),
  polygon: P('M4 8l7-5 9 5-2 11H7z'),
  polyline: P('M3 19l5-9 5 5 8-11'),
  keypoints: (
    <>
      {P('M12 5v8M12 13l-5 7M12 13l5 7M6 9h12')}
      <circle cx="12" cy="4" r="2" />
    </>
  ),
  minus: P('M5 12h14'),
  up: P('M12 19V5M5 12l7-7 7 7'),
  down: P('M12 5v14M19 12l-7 7-7-7'),
  swap: P('M7 4L3 8l4 4M3 8h14M17 20l4-4-4-4M21 16H7'),
  hash: P('M4 9h16M4 15h16M10 3L8 21M16 3l-2 18'),
  text: P('M4 7V4h16v3M9 20h6M12 4v16'),
  mic: (
    <>
      <rect x="9" y="2" width="6" height="12" rx="3" />
      {P('M5 11a7 7 0 0 0 14 0M12 18v4')}
    </>
  ),
  stop: <rect x="6" y="6" width="12" height="12" rx="1" fill="currentColor" />,
  list: P('M8 6h13M8 12h13M8 18h13M3 6h.01M3 12h.01M3 18h.01'),
  pen: P('M3 21c3-1 5-2 7-4L20 7a2.1 2.1 0 0 0-3-3L7 14c-2 2-3 4-4 7z'),
  circle: <ellipse cx="12" cy="12" rx="9" ry="7" />,
  arrow: P('M4 20L19 5M9 5h10v10'),
  bot: (
    <>
      <rect x="4" y="8" width="16" height="12" rx="2" />
      {P('M12 8V4M9 4h6M9 13v1M15 13v1M2 13v3M22 13v3')}
    </>
  ),
} as const;

export type IconName = keyof typeof ICONS;

/** Every icon's name (an option's `icon` may name one). */
export const ICON_NAMES = Object.keys(ICONS) as IconName[];

export function Icon({ name, size }: { name: IconName; size?: number }) {
  return (
    <svg
      class="icon"
      viewBox="0 0 24 24"
      width={size ?? 24}
      height={size ?? 24}
      aria-hidden="true"
      focusable="false"
      fill="none"
      stroke="currentColor"
      stroke-width="2.2"
      stroke-linecap="round"
      stroke-linejoin="round"
    >
      {ICONS[name]}
    </svg>
  );
}
