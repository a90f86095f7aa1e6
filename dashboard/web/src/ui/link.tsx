import type { ComponentChildren } from 'preact';
import { onLinkClick } from '../router.js';

export function Link(p: { to: string; children: ComponentChildren; class?: string; testid?: string }) {
  return (
    <a href={p.to} class={p.class} data-testid={p.testid} onClick={(e) => onLinkClick(e, p.to)}>
      {p.children}
    </a>
  );
}
