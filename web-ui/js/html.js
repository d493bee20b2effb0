// Preact + htm: JSX-like templates with no build step (docs/WEB-UI.md).
import { h, render } from '/vendor/preact.mjs';
import htm from '/vendor/htm.mjs';

export const html = htm.bind(h);
export { render };
export { useState, useEffect, useRef, useCallback, useMemo } from '/vendor/hooks.mjs';
